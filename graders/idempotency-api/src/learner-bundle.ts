/**
 * The implementation as the grader runs it: bundled with the lab's host (framework/host.ts) into
 * one ES module, and started only in processes under Node's permission model. The bundle is made
 * with the course's fenced bundler: the implementation's imports reach its own folder, the lab's
 * src/ and framework/ (and reference/ for the reference and the mutants), nothing else, so the
 * processes need to read nothing of the course but the bundle and the database packages.
 */
import { BundleError, spawnRestricted, type ProcessBundle, labProcessBundle } from "@faultline/grading";
import { LOADED, type HostRole } from "@faultline/lab-idempotency-api/framework/host";

const LAB = "idempotency-api";
/** How long the "does it load" check waits for the module (the process start included). */
export const LOAD_LIMIT_MS = 10_000;

/** The bundle of the implementation at `implPath` with the lab's host (made once while its files do not change). */
export function learnerBundle(implPath: string): Promise<ProcessBundle> {
  return labProcessBundle(LAB, implPath);
}

/** The options of a host process in `role`: it reads the bundle and the packages it imports. */
export function hostProcess(
  bundle: ProcessBundle,
  role: HostRole,
  extra: { readFolders?: string[]; writeFolders?: string[]; ipc?: boolean } = {},
) {
  return spawnRestricted({
    script: bundle.file,
    // PGlite is a large WebAssembly module compiled anew by every server process: its baseline
    // code is fast enough for a test's queries, and optimizing it would cost each start a
    // second of CPU on a machine that grades several seeds at once.
    nodeFlags: role.role === "server" ? ["--liftoff-only"] : [],
    readFolders: [...bundle.packageDirs, ...(extra.readFolders ?? [])],
    writeFolders: extra.writeFolders ?? [],
    env: { FAULTLINE_IDEM_HOST: JSON.stringify(role) },
    ...(extra.ipc ? { ipc: true } : {}),
  });
}

/** An error for the learner: its message is the whole story, without the grader's stack. */
function plain(message: string): Error {
  const e = new Error(message);
  e.stack = message;
  return e;
}

/**
 * Does the implementation load? Bundled (a syntax error or a forbidden import names its file,
 * line and column), then imported by a restricted process that checks the exports. Throws why not.
 */
export async function checkLoads(implPath: string): Promise<void> {
  let bundle: ProcessBundle;
  try {
    bundle = await learnerBundle(implPath);
  } catch (err) {
    if (err instanceof BundleError) throw plain(err.message);
    throw err;
  }
  const child = hostProcess(bundle, { role: "load" });
  let out = "";
  let errText = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (errText = (errText + c.toString("utf8")).slice(-3000)));
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | "timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), LOAD_LIMIT_MS);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  if (result === "timeout") {
    child.kill("SIGKILL");
    throw plain(
      `your module did not finish loading within ${LOAD_LIMIT_MS / 1000} s (an endless loop at the top level of a file?)`,
    );
  }
  if (result.code === 0 && out.includes(LOADED)) return;
  // Node prints the bundle's line and a caret before the error; the error and its frames in
  // the learner's files (source-mapped) say more.
  const lines = errText.trim().split("\n");
  const start = lines.findIndex((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l));
  const why = lines
    .slice(Math.max(0, start))
    .filter((l) => !/node:internal|faultline-idem-bundles|^Node\.js v\d/.test(l) && l.trim() !== "")
    .slice(0, 8)
    .join("\n");
  throw plain(
    `${result.signal ? `the process loading it was killed (${result.signal})` : `loading it failed (exit code ${result.code})`}${why ? `: ${why}` : ""}`,
  );
}
