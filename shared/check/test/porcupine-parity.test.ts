/**
 * External truth: the checker must give Porcupine's verdict on every one of its public test
 * histories (data/porcupine, see PROVENANCE.md), the kv ones with and without partitioning
 * where Porcupine tests both.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  casRegisterModel,
  checkLinearizability,
  kvModel,
  kvWholeModel,
  parseJepsenLog,
  parsePorcupineKv,
} from "../src/index.ts";
import { readVerdicts } from "./verdicts.ts";

const dataDir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "porcupine");
const verdicts = readVerdicts(readFileSync(join(dataDir, "VERDICTS.md"), "utf8"));
const jepsenFiles = readdirSync(join(dataDir, "jepsen"))
  .filter((f) => f.endsWith(".log"))
  .sort();
const kvFiles = readdirSync(join(dataDir, "kv"))
  .filter((f) => f.endsWith(".txt"))
  .sort();

const expectedVerdict = (linearizable: boolean): string => (linearizable ? "linearizable" : "not linearizable");

// Each test checks every history of a data set: about 1 s idle, several on a loaded machine.
describe("Porcupine parity", { timeout: 60_000 }, () => {
  it("has all 109 histories", () => {
    expect(jepsenFiles.length + kvFiles.length).toBe(109);
  });

  it("gives Porcupine's verdict on every etcd history", () => {
    let agree = 0;
    const disagreements: string[] = [];
    for (const f of jepsenFiles) {
      const ops = parseJepsenLog(readFileSync(join(dataDir, "jepsen", f), "utf8"), f);
      const expected = verdicts.etcd.get(f);
      if (expected === undefined) {
        // etcd_095.log is empty (the etcd cluster never started): no operations, nothing to violate
        expect(f).toBe("etcd_095.log");
        expect(ops).toHaveLength(0);
        expect(checkLinearizability(casRegisterModel, ops).verdict).toBe("linearizable");
        agree++;
        continue;
      }
      const r = checkLinearizability(casRegisterModel, ops);
      if (r.verdict === expectedVerdict(expected.linearizable)) agree++;
      else disagreements.push(`${f}: expected ${expectedVerdict(expected.linearizable)}, got ${r.verdict}`);
    }
    expect(disagreements).toEqual([]);
    expect(agree).toBe(103);
  });

  it("gives Porcupine's verdict on every kv history, partitioned per key", () => {
    for (const f of kvFiles) {
      const expected = verdicts.kv.get(f);
      expect(expected, f).toBeDefined();
      const ops = parsePorcupineKv(readFileSync(join(dataDir, "kv", f), "utf8"), f);
      expect(checkLinearizability(kvModel, ops).verdict, f).toBe(expectedVerdict(expected?.linearizable ?? false));
    }
  });

  it.each(["c01-ok.txt", "c01-bad.txt", "c10-ok.txt", "c10-bad.txt"])(
    "gives Porcupine's verdict on %s without partitioning",
    (f) => {
      const ops = parsePorcupineKv(readFileSync(join(dataDir, "kv", f), "utf8"), f);
      const expected = verdicts.kv.get(f)?.linearizable ?? false;
      const r = checkLinearizability(kvWholeModel, ops, { partition: false });
      expect(r.partitions).toHaveLength(1);
      expect(r.verdict).toBe(expectedVerdict(expected));
    },
    60_000,
  ); // the search is budgeted in steps; the wall limit only has to hold on a busy machine

  it("explains a violation with the operation that cannot take effect", () => {
    const ops = parseJepsenLog(readFileSync(join(dataDir, "jepsen", "etcd_000.log"), "utf8"), "etcd_000.log");
    const r = checkLinearizability(casRegisterModel, ops);
    expect(r.verdict).toBe("not linearizable");
    expect(r.firstIllegal).not.toBeNull();
    const part = r.partitions[0];
    expect(part?.longest.length).toBeGreaterThan(0);
    expect(part?.longest).not.toContain(r.firstIllegal);
  });
});
