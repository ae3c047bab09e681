/**
 * A submission from anywhere on disk (a Gradescope upload in /autograder/submission, a folder
 * a learner mailed in) is graded as if it were the lab's src/: the lab's given files are copied
 * into a lab-shaped folder first, then the submission's own files over them.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";

/** Files a submission may bring (source and data); anything else is left out. */
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;
/** A submission bigger than this is not source code. */
export const MAX_SUBMISSION_BYTES = 5 * 1024 * 1024;

/** Where a submission's files are: its src/ folder if it has one with an index, else itself. */
function submissionRoot(dir: string): string {
  const src = join(dir, "src");
  return existsSync(join(src, "index.ts")) || existsSync(join(src, "index.js")) ? src : dir;
}

function sourceFiles(dir: string, base = dir, out: string[] = [], budget = { bytes: 0 }): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) sourceFiles(p, base, out, budget);
    else if (SOURCE.test(name)) {
      budget.bytes += st.size;
      if (budget.bytes > MAX_SUBMISSION_BYTES)
        throw new Error(
          `the submission in ${base} holds more than ${MAX_SUBMISSION_BYTES / 1024 / 1024} MiB of source files`,
        );
      out.push(relative(base, p));
    }
  }
  return out;
}

/** True when `dir` lies outside the course: such a submission is staged before grading. */
export function needsStaging(dir: string, courseRoot: string): boolean {
  const rel = relative(courseRoot, dir);
  return rel.startsWith("..") || isAbsolute(rel);
}

/**
 * Stage `dir` as labs/<lab>/.submission-<hash>/ next to the lab's src/ (same depth, so the
 * given files' relative imports and package imports resolve as they do from src/). Returns the
 * staged folder. Staging the same files again reuses the folder.
 */
export function stageSubmission(labRoot: string, dir: string): string {
  const from = submissionRoot(resolve(dir));
  const files = sourceFiles(from);
  if (!files.some((f) => /^index\.(ts|mts|js|mjs)$/.test(f)) && !existsSync(join(labRoot, "src", "index.ts")))
    throw new Error(`${dir} has no index.ts and the lab gives none`);
  const h = createHash("sha256");
  for (const f of files.sort())
    h.update(f)
      .update("\0")
      .update(String(statSync(join(from, f)).mtimeMs))
      .update("\0");
  const staged = join(labRoot, `.submission-${h.digest("hex").slice(0, 12)}`);
  if (existsSync(staged)) return staged;
  mkdirSync(staged, { recursive: true });
  try {
    cpSync(join(labRoot, "src"), staged, { recursive: true });
    for (const f of files) {
      mkdirSync(join(staged, f, ".."), { recursive: true });
      cpSync(join(from, f), join(staged, f));
    }
  } catch (err) {
    rmSync(staged, { recursive: true, force: true });
    throw err;
  }
  return staged;
}
