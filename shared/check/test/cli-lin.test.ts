import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runLinCommand } from "../src/index.ts";

const dataDir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "porcupine");
const tmp = mkdtempSync(join(tmpdir(), "faultline-lin-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runLinCommand(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

describe("faultline lin", () => {
  it("prints one line per file and exits 0 when all are linearizable", async () => {
    const files = ["etcd_005.log", "etcd_007.log"].map((f) => join(dataDir, "jepsen", f));
    const r = await run(["cas-register", ...files]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/etcd_005\.log: linearizable \(79 ops, 1 partition, \d+ steps/);
  });

  it("exits 1 when any file is not linearizable, naming the operation", async () => {
    const r = await run([
      "cas-register",
      join(dataDir, "jepsen", "etcd_005.log"),
      join(dataDir, "jepsen", "etcd_000.log"),
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/etcd_000\.log: not linearizable at client 11 read → 2 \[80, 81\]/);
  });

  it("checks kv histories with and without partitioning", async () => {
    const file = join(dataDir, "kv", "c10-ok.txt");
    expect((await run(["kv", file])).out).toContain("linearizable (337 ops, 10 partitions");
    const whole = await run(["kv", "--no-partition", join(dataDir, "kv", "c01-bad.txt")]);
    expect(whole.code).toBe(1);
    expect(whole.out).toContain("not linearizable");
    expect(whole.out).toContain("1 partition,");
  });

  it("reports unknown (exit 1) when the step budget runs out", async () => {
    const r = await run(["cas-register", "--max-steps", "1000", join(dataDir, "jepsen", "etcd_002.log")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("unknown: search budget of 1000 steps exhausted");
  });

  it("writes an HTML view per file with --html", async () => {
    const dir = join(tmp, "views");
    const r = await run(["cas-register", "--html", dir, join(dataDir, "jepsen", "etcd_000.log")]);
    expect(r.code).toBe(1);
    const view = join(dir, "etcd_000.log.html");
    expect(existsSync(view)).toBe(true);
    expect(readFileSync(view, "utf8")).toContain("<!doctype html>");
    expect(r.out).toContain(`view: ${view}`);
  });

  it("names the file and line of a malformed line (exit 2)", async () => {
    const bad = join(tmp, "bad.log");
    writeFileSync(bad, "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:raed\t3\n");
    const r = await run(["cas-register", bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:2: `);
    const badKv = join(tmp, "bad.txt");
    writeFileSync(
      badKv,
      '{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n{:process 0, :type :ok, :f :get, :key "1", :value "x"\n',
    );
    const k = await run(["kv", badKv]);
    expect(k.code).toBe(2);
    expect(k.err).toContain(`${badKv}:2: `);
  });

  it("rejects bad usage with exit 2 and prints help", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["nope", "x"])).err).toContain('unknown model "nope"');
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("usage: faultline lin");
  });
});

describe("faultline lin as one plain Node process (bin/faultline-lin.mjs)", () => {
  const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "faultline-lin.mjs");
  const strip = (s: string) => s.replace(/, [\d.]+ ms\)/g, ")");

  it("prints what runLinCommand prints, with its exit codes, from the cached bundle", async () => {
    const files = ["etcd_005.log", "etcd_000.log"].map((f) => join(dataDir, "jepsen", f));
    const inProcess = await run(["cas-register", ...files]);
    for (let i = 0; i < 2; i++) {
      // the first run may build the bundle, the second uses it
      const r = spawnSync(process.execPath, [bin, "cas-register", ...files], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(strip(r.stdout)).toBe(strip(inProcess.out));
    }
    const usage = spawnSync(process.execPath, [bin, "no-such-model", files[0] as string], { encoding: "utf8" });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('faultline lin: unknown model "no-such-model"');
  }, 60_000);
});
