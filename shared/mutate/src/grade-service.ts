/**
 * Grading one mutant costs little; starting a grader costs a lot (tsx, the grader's modules,
 * the grading processes), and on a busy machine that start-up dominated each mutant run. So
 * `pnpm mutate` keeps one grader running for the whole Stryker run, behind a Unix socket, and
 * the test command Stryker spawns per mutant (grade-client.mjs) only asks it for a verdict.
 *
 * Each request is graded from its own fresh copy of the instrumented reference
 * (labs/<lab>/.mutation-impl-<n>/): a new folder is a new implementation to the grading
 * harness, so its bundle is made from this copy and no cached bundle of another mutant is used.
 */
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { graderModulePath, loadGrader, WorkerPool, type LabGrader } from "@faultline/grading";
import { instrumentedSources, stageActiveMutant } from "./active-mutant.ts";
import { firstFailure } from "./first-failure.ts";
import type { MutationPaths } from "./paths.ts";

/** What the test command sends: the active mutant's id (null for Stryker's dry run). */
export interface VerdictRequest {
  mutant: string | null;
}

/** What it gets back: the first failing test (killed), null (survived), or why grading broke. */
export interface VerdictReply {
  failed: string | null;
  error?: string;
}

export interface GradeService {
  socket: string;
  /** Requests that could not be graded (a broken run, not a verdict). */
  errors: string[];
  graded: number;
  close(): Promise<void>;
}

/**
 * Which tests killed mutants of each file, most recent first. Stryker tests a file's mutants one
 * after another, and mutants of one function tend to fail the same test: trying it first makes
 * a killed mutant cost one test instead of a sweep.
 */
export class KillerMemory {
  private readonly byFile = new Map<string, string[]>();

  likely(file: string | undefined): string[] {
    return file === undefined ? [] : (this.byFile.get(file) ?? []);
  }

  killed(file: string | undefined, scenario: string): void {
    if (file === undefined) return;
    const list = this.byFile.get(file) ?? [];
    this.byFile.set(file, [scenario, ...list.filter((s) => s !== scenario)]);
  }
}

/** The reference file that holds mutant `id` (its switch), if any. */
export function fileOfMutant(referenceDir: string, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const needle = `stryMutAct_9fa48(${JSON.stringify(id)})`;
  return instrumentedSources(referenceDir).find(([, source]) => source.includes(needle))?.[0];
}

/** Grade the instrumented reference with `mutant` switched on, in the folder `dir`. */
export async function gradeMutant(
  grader: LabGrader,
  pool: WorkerPool,
  paths: MutationPaths,
  mutant: string | undefined,
  dir: string,
  memory = new KillerMemory(),
  quick = false,
): Promise<string | null> {
  const instrumented = stageActiveMutant(paths.reference, dir, mutant);
  try {
    // Without Stryker's switches in the graded code every mutant would "survive".
    if (instrumented === 0)
      throw new Error(`${paths.reference} holds no instrumented file: run this through pnpm mutate ${paths.lab}`);
    const graderModule = graderModulePath(paths.lab);
    const file = fileOfMutant(dir, mutant);
    const failed = await firstFailure(
      grader,
      { graderModule, pool, impl: dir, traceDir: join(paths.state, "traces") },
      memory.likely(file),
      quick,
    );
    if (failed) memory.killed(file, failed.scenario);
    return failed ? failed.summary : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The grader limited to the tests of `parts` (all of them when empty): a run over one part's
 * file need not grade the other parts for every mutant. A survivor then means "no test of these
 * parts fails it".
 */
export function onlyParts(grader: LabGrader, parts: readonly string[]): LabGrader {
  if (parts.length === 0) return grader;
  const known = [...new Set(grader.scenarios.map((s) => s.part))];
  const unknown = parts.filter((p) => !known.includes(p));
  if (unknown.length > 0)
    throw new Error(`${grader.lab} has no part ${unknown.join(", ")}; its parts: ${known.join(", ")}`);
  return { ...grader, scenarios: grader.scenarios.filter((s) => parts.includes(s.part)) };
}

export async function startGradeService(
  paths: MutationPaths,
  jobs: number,
  quick = false,
  parts: readonly string[] = [],
): Promise<GradeService> {
  const grader = onlyParts(await loadGrader(graderModulePath(paths.lab)), parts);
  const pool = new WorkerPool(jobs);
  const socket = join(paths.root, ".faultline", `mutate-${process.pid}.sock`);
  rmSync(socket, { force: true });
  const service: GradeService = { socket, errors: [], graded: 0, close: async () => {} };
  let next = 0;
  const memory = new KillerMemory();
  writeFileSync(paths.verdictLog, "");
  // One verdict at a time (Stryker runs one mutant at a time; this also holds if it did not).
  let queue: Promise<unknown> = Promise.resolve();
  const verdict = (req: VerdictRequest): Promise<VerdictReply> => {
    const run = queue.then(async (): Promise<VerdictReply> => {
      const dir = join(`${paths.activeImpl}-${++next}`);
      try {
        const failed = await gradeMutant(grader, pool, paths, req.mutant ?? undefined, dir, memory, quick);
        service.graded++;
        // A line per verdict, to follow a long run (tail -f) and see survivors as they come.
        const where = fileOfMutant(paths.reference, req.mutant ?? undefined) ?? "";
        appendFileSync(
          paths.verdictLog,
          `${req.mutant ?? "dry-run"}\t${where}\t${failed === null ? "survived" : `killed: ${failed}`}\n`,
        );
        return { failed };
      } catch (err) {
        const error = `mutant ${req.mutant ?? "(none)"}: ${(err as Error).stack ?? String(err)}`;
        service.errors.push(error);
        return { failed: null, error };
      }
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const server: Server = createServer((conn) => {
    let text = "";
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end < 0) return;
      let req: VerdictRequest;
      try {
        req = JSON.parse(text.slice(0, end)) as VerdictRequest;
      } catch {
        conn.end(`${JSON.stringify({ failed: null, error: "malformed request" })}\n`);
        return;
      }
      void verdict(req).then((reply) => conn.end(`${JSON.stringify(reply)}\n`));
    });
    conn.on("error", () => undefined); // a client killed by Stryker's timeout
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => resolve());
  });
  service.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socket, { force: true });
    await pool.close();
  };
  return service;
}
