/** Temporary folders for a test file, removed once its tests are done. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * A maker of fresh folders `<prefix>XXXXXX` in the system's temporary directory. Call it at a
 * test file's top level (it registers an afterAll hook): every folder it made is removed, with
 * its contents, once the file's tests (and their own afterAll hooks) are done.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
