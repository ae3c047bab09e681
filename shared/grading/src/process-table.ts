/**
 * The operating system's processes as a grader sees them: state and parent of each, read from
 * /proc by a shell (a grading process may start processes but not read /proc, and `ps` may not
 * be installed). For graders that run real servers and must tell whether one still runs.
 */
import { execFile, execFileSync } from "node:child_process";

/** A process's state letter ("R", "S", "Z" for a zombie...) and its parent's pid. */
export type ProcessTable = Map<number, { state: string; ppid: number }>;

const PROC_SCRIPT = `for d in /proc/[0-9]*; do { read -r s < "$d/stat"; } 2>/dev/null || continue; set -- \${s##*) }; echo "\${d#/proc/} $1 $2"; done`;

/** Every process now; empty when it cannot be read (no /proc, no shell allowed). */
export function processTable(): ProcessTable {
  try {
    return parseTable(execFileSync("/bin/sh", ["-c", PROC_SCRIPT], { encoding: "utf8" }));
  } catch {
    return new Map();
  }
}

/** The same without blocking the event loop. */
export function processTableAsync(): Promise<ProcessTable> {
  return new Promise((resolve) => {
    execFile("/bin/sh", ["-c", PROC_SCRIPT], { encoding: "utf8" }, (_err, out) => resolve(parseTable(out ?? "")));
  });
}

function parseTable(out: string): ProcessTable {
  const table: ProcessTable = new Map();
  for (const line of out.split("\n")) {
    const [pid, state, ppid] = line.trim().split(" ");
    if (pid && state && ppid) table.set(Number(pid), { state, ppid: Number(ppid) });
  }
  return table;
}

/**
 * Whether `pid` runs (a zombie does not), is gone, or cannot be told (a process of another user
 * when the table could not be read).
 */
export function processState(pid: number, table: ProcessTable = processTable()): "running" | "gone" | "unknown" {
  if (table.size > 0) {
    const p = table.get(pid);
    return p !== undefined && p.state !== "Z" ? "running" : "gone";
  }
  try {
    process.kill(pid, 0);
    return "running";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : "unknown";
  }
}
