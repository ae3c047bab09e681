/**
 * A cluster boot that fails says why: the step, the server, how the program ended and the last
 * lines of its stderr and of the server's log, with the first error line on the message's first
 * line (a one-line summary, as a mutation run's, keeps only that). The failures are forced with
 * a folder of PostgreSQL's programs in which one program is replaced by a script.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findBindir, PgCluster, PgStepError } from "../src/postgres.ts";

const bindir = findBindir();
const folders: string[] = [];

/** The real programs, except `name`, which is `script`. */
function binWith(name: string, script: string): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-pgf-bin-"));
  folders.push(dir);
  // As root the programs run as "postgres", who must be able to enter the folder.
  chmodSync(dir, 0o755);
  for (const f of readdirSync(bindir as string)) if (f !== name) symlinkSync(join(bindir as string, f), join(dir, f));
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

async function bootError(dir: string): Promise<PgStepError> {
  const c = await PgCluster.create(dir);
  try {
    await c.boot();
  } catch (err) {
    return err as PgStepError;
  } finally {
    await c.close();
  }
  throw new Error("the boot did not fail");
}

afterEach(() => {
  for (const d of folders.splice(0)) rmSync(d, { recursive: true, force: true });
});

const suite = bindir ? describe : describe.skip;

suite("a cluster boot that fails", () => {
  it("names a failed pg_basebackup, its server, its exit code and its last stderr lines", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `echo "detail line ${i + 1}" >&2`).join("\n");
    const err = await bootError(
      binWith(
        "pg_basebackup",
        `${lines}\necho "pg_basebackup: error: could not receive data from WAL stream: forced" >&2\nexit 3`,
      ),
    );
    expect(err).toBeInstanceOf(PgStepError);
    const [first, ...rest] = err.message.split("\n");
    expect(first).toBe(
      "pg_basebackup of pg2 from pg1 failed (exit code 3): pg_basebackup: error: could not receive data from WAL stream: forced",
    );
    const body = rest.join("\n");
    // The end of the stderr is kept, not cut to nothing.
    expect(body).toContain("detail line 20");
    expect(body).toContain("detail line 10");
    expect(body).not.toContain("detail line 1\n");
    // The server side of the failed backup: pg1 was running, its log is there.
    expect(body).toMatch(/pg1's log:\n {4}\S/);
  }, 120_000);

  it("names an initdb killed by a signal", async () => {
    const err = await bootError(binWith("initdb", 'echo "initdb: creating directories" >&2\nkill -KILL $$'));
    expect(err.message.split("\n")[0]).toBe("initdb of pg1 failed (killed by SIGKILL): initdb: creating directories");
  }, 60_000);

  it("names a server that exits at its start, with its log", async () => {
    const err = await bootError(binWith("postgres", 'echo "FATAL:  forced start failure" >&2\nexit 1'));
    expect(err.message.split("\n")[0]).toBe(
      "start of pg1 failed (postgres ended: exit code 1): FATAL:  forced start failure",
    );
  }, 60_000);
});
