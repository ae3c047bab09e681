/**
 * The implementation as the grader runs it: bundled with the lab's host (framework/host.ts) into
 * one ES module, and started only in processes under Node's permission model. The bundle is made
 * with the course's fenced bundler: the implementation's imports reach its own folder, the lab's
 * src/ and framework/ (and reference/ for the reference and the mutants), nothing else, so the
 * processes need to read nothing of the course but the bundle and the database packages.
 */
import { checkProcessLabLoads, spawnRestricted, type ProcessBundle, labProcessBundle } from "@faultline/grading";
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

/**
 * Does the implementation load? Bundled (a syntax error or a forbidden import names its file,
 * line and column), then imported by a restricted process that checks the exports. Throws why not.
 */
export function checkLoads(implPath: string): Promise<void> {
  return checkProcessLabLoads(LAB, implPath, {
    spawn: (bundle) => hostProcess(bundle, { role: "load" }),
    loaded: LOADED,
    limitMs: LOAD_LIMIT_MS,
  });
}
