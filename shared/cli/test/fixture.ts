/**
 * A small course on disk for the CLI tests: the grading fixture lab "echo" laid out like a real
 * lab (labs/echo with src, reference and mutants; graders/echo with a hidden test), a lab
 * without a grader yet, a handbook with instructor checkpoints. Imports point at this
 * checkout's packages by absolute URL, so the course works from a temporary folder.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const MAIN = here("../src/main.ts");
const SIM = pathToFileURL(here("../../sim/src/index.ts")).href;
const GRADING = pathToFileURL(here("../../grading/src/index.ts")).href;
const ECHO = here("../../grading/fixtures/echo");
const TSX = here("../node_modules/tsx/dist/cli.mjs");

function rewriteImports(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) rewriteImports(p);
    else if (p.endsWith(".ts"))
      writeFileSync(p, readFileSync(p, "utf8").replaceAll('"@faultline/sim"', JSON.stringify(SIM)));
  }
}

export const GRADER_SOURCE = `/** Grader of the course fixture "echo". */
import { defineLab } from ${JSON.stringify(GRADING)};
import { lab as fixture } from ${JSON.stringify(pathToFileURL(join(ECHO, "grader.ts")).href)};

const [loss, clean] = fixture.scenarios;

export const lab = defineLab({
  lab: "echo",
  title: "Echo (course fixture)",
  parts: { A: "Echo", B: "Extra" },
  scenarios: [
    loss!,
    clean!,
    {
      part: "B",
      name: "secret check",
      points: 3,
      seeds: 1,
      hidden: true,
      hints: ["The hidden test sends one echo on a clean network."],
      run: (ctx) => clean!.run(ctx),
    },
  ],
});
`;

/** An essay whose "See it fail" drill runs a mutant, as the handbook's essays do. */
export const ECHO_ESSAY = `# Echo

## See it fail

An echo that changes the text is caught on a clean network:

\`\`\`sh
pnpm grade echo --only "echo on a clean network" --impl mutant:wrong-text --trace
\`\`\`
`;

const made: string[] = [];

/** A new temporary folder, removed by `removeTemp`. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Remove every temporary folder made by this test file. */
export function removeTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Write the course into a new temporary folder; returns its path. */
export function makeCourse(): string {
  const root = tempDir("faultline-course-");
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name: "course-fixture", private: true, type: "module" }, null, 2),
  );
  writeFileSync(join(root, ".gitignore"), "node_modules/\n.faultline/\n");
  const lab = join(root, "labs", "echo");
  mkdirSync(lab, { recursive: true });
  for (const d of ["src", "reference", "mutants"]) cpSync(join(ECHO, d), join(lab, d), { recursive: true });
  rewriteImports(lab);
  // the course's grader adds a hidden test; a mutant must target it too
  writeFileSync(
    join(lab, "mutants", "wrong-text", "mutant.json"),
    JSON.stringify({
      bug: "answers with the text upper-cased",
      targets: ["echo under loss", "echo on a clean network", "secret check"],
    }),
  );
  writeFileSync(join(lab, "README.md"), "# echo\n");
  writeFileSync(
    join(lab, "package.json"),
    JSON.stringify(
      {
        name: "@faultline/lab-echo",
        type: "module",
        exports: { ".": "./src/index.ts", "./reference": "./reference/index.ts" },
      },
      null,
      2,
    ),
  );
  mkdirSync(join(root, "labs", "pending"), { recursive: true });
  writeFileSync(join(root, "labs", "pending", "README.md"), "# pending\n");
  mkdirSync(join(root, "graders", "echo", "src"), { recursive: true });
  writeFileSync(join(root, "graders", "echo", "src", "index.ts"), GRADER_SOURCE);
  mkdirSync(join(root, "handbook", "checkpoints", "instructor"), { recursive: true });
  writeFileSync(join(root, "handbook", "checkpoints", "instructor", "answers.md"), "# answers\n");
  writeFileSync(join(root, "handbook", "checkpoints", "week1.md"), "# week 1\n");
  mkdirSync(join(root, "handbook", "essays"), { recursive: true });
  writeFileSync(join(root, "handbook", "essays", "echo.md"), ECHO_ESSAY);
  return root;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI in `cwd` against the course at `root`, killed after `timeoutMs`. */
export function cli(
  args: string[],
  opts: { root: string; cwd?: string; timeoutMs?: number; env?: Record<string, string> },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      FAULTLINE_ROOT: opts.root,
      NO_COLOR: "1",
      ...opts.env,
    };
    delete env.CI;
    delete env.INIT_CWD;
    delete env.FAULTLINE_IMPL;
    const child = spawn(process.execPath, [TSX, MAIN, ...args], {
      cwd: opts.cwd ?? opts.root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `faultline ${args.join(" ")} did not finish within ${opts.timeoutMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run the CLI in this process against the course at `root` (for quick checks of messages and exit codes). */
export async function inproc(argv: string[], root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { run } = await import("../src/cli.ts");
  let stdout = "";
  let stderr = "";
  const out = {
    write: (s: string) => {
      stdout += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const err = {
    write: (s: string) => {
      stderr += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const before = process.env.FAULTLINE_ROOT;
  // As on a learner's terminal, like cli(): CI turns determinism runs (and every seed) on.
  const ci = process.env.CI;
  process.env.FAULTLINE_ROOT = root;
  delete process.env.CI;
  try {
    const code = await run(argv, { out, err, cwd: root, color: false });
    return { code, stdout, stderr };
  } finally {
    if (before === undefined) delete process.env.FAULTLINE_ROOT;
    else process.env.FAULTLINE_ROOT = before;
    if (ci !== undefined) process.env.CI = ci;
  }
}
