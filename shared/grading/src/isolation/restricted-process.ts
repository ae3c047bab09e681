/**
 * Start a script as a process under Node's permission model: it reads only the paths it is
 * given, writes only the folders it is given, and may start no process and no worker thread.
 * Used for learner code that must run as a real process (an HTTP server on its own database).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { permissionFlag, readFlags, writeFlags } from "./permission.ts";

export interface RestrictedProcessOptions {
  /** The ES module to run (readable by the process, as every folder of `readFolders`). */
  script: string;
  readFolders?: readonly string[];
  readFiles?: readonly string[];
  /** Folders the process may write (a database directory); none by default. */
  writeFolders?: readonly string[];
  /** The whole environment of the process: nothing of the parent's is passed on. */
  env?: Record<string, string>;
  /** Open an IPC channel (JSON messages) on top of stdin, stdout and stderr pipes. */
  ipc?: boolean;
  /** Heap limit (default 256 MiB). */
  heapMb?: number;
  /** More flags for node and V8 (e.g. how WebAssembly is compiled). */
  nodeFlags?: readonly string[];
}

/** The command line of a restricted process (without the node binary). */
export function restrictedArgs(o: RestrictedProcessOptions): string[] {
  return [
    permissionFlag(),
    ...readFlags(o.readFolders ?? [], [o.script, ...(o.readFiles ?? [])]),
    ...writeFlags(o.writeFolders ?? []),
    `--max-old-space-size=${o.heapMb ?? 256}`,
    ...(o.nodeFlags ?? []),
    // Stacks name the learner's files and lines, not the bundle's.
    "--enable-source-maps",
    "--no-warnings",
    o.script,
  ];
}

export function spawnRestricted(o: RestrictedProcessOptions): ChildProcess {
  return spawn(process.execPath, restrictedArgs(o), {
    stdio: o.ipc ? ["pipe", "pipe", "pipe", "ipc"] : ["pipe", "pipe", "pipe"],
    env: { NODE_OPTIONS: "", ...(o.env ?? {}) },
  });
}
