/**
 * `--shard k/n` and `faultline report merge`: the four shards of a grade, merged, are the
 * unsharded grade, test by test and seed by seed; reports that do not fit together are refused.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { JsonLab, JsonTest } from "@faultline/grading";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardSeeds } from "@faultline/grading";
import { inproc, makeCourse, removeTemp, tempDir } from "./fixture.ts";

let root = "";
let out = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
  out = tempDir("faultline-shards-");
  // A mutant that fails on some seeds only, so that a merge has passing and failing seeds to join.
  const dir = join(root, "labs", "echo", "mutants", "sometimes-wrong");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "mutant.json"),
    JSON.stringify({ bug: "now and then answers upper-cased", targets: ["echo under loss"] }),
  );
  // stored as every mutant is: a patch against the reference
  writeFileSync(
    join(dir, "sometimes-wrong.patch"),
    `--- a/index.ts
+++ b/index.ts
@@ -12,7 +12,7 @@
   onMessage(from: NodeId, msg: EchoMsg): void {
     if (msg.type !== "echo") return;
     this.answered++;
-    this.env.send(from, { type: "echoed", id: msg.id, text: msg.text });
+    this.env.send(from, { type: "echoed", id: msg.id, text: this.env.random() < 0.03 ? msg.text.toUpperCase() : msg.text });
   }
   onTimer(_tag: string): void {}
 }
`,
  );
});
const T = 180_000;

const testsOf = (file: string): JsonTest[] =>
  (JSON.parse(readFileSync(file, "utf8")) as { labs: JsonLab[] }).labs.flatMap((l) => l.tests);
/** What a test's verdict is made of: everything but the times. */
const verdict = (t: JsonTest) => ({
  name: t.name,
  status: t.status,
  earned: t.earned,
  points: t.points,
  replay: t.replay,
  firstFailure: t.firstFailure && { seed: t.firstFailure.seed, failure: t.firstFailure.failure },
  seeds: t.seeds.map((s) => ({ seed: s.seed, status: s.status, traceHash: s.traceHash })),
});
/** Gradescope tests without the wall and virtual times in their output. */
const gradescopeTests = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")) as { tests: Array<{ output: string }> }).tests.map((t) => ({
    ...t,
    output: t.output.replace(/\(virtual [^)]*\)/g, "(times)"),
  }));

describe("shardSeeds", () => {
  it("splits every (test, seed) pair into exactly one of n shards, each within one pair of an even share", () => {
    const tests = [{ seeds: [1, 2, 3] }, { seeds: [1] }, { seeds: [5, 6, 7, 8, 9, 10, 11] }, { seeds: [2, 4] }];
    const all = tests.flatMap((t, i) => t.seeds.map((s) => `${i}:${s}`)).sort();
    for (const n of [1, 2, 3, 4, 7, 20]) {
      const shards = Array.from({ length: n }, (_, k) =>
        shardSeeds(tests, (t) => t.seeds, { index: k + 1, count: n }).flatMap((x) =>
          x.seeds.map((s) => `${tests.indexOf(x.test)}:${s}`),
        ),
      );
      expect(shards.flat().sort()).toEqual(all);
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      // the same plan gives the same split on every machine
      expect(shardSeeds(tests, (t) => t.seeds, { index: 1, count: n })).toEqual(
        shardSeeds(tests, (t) => t.seeds, { index: 1, count: n }),
      );
    }
  });
});

describe("grade --shard and report merge", () => {
  it(
    "the merge of 4 shards equals one unsharded run, test by test and seed by seed",
    async () => {
      const args = ["grade", "echo", "--impl", "mutant:sometimes-wrong", "--seeds", "10", "--format", "json"];
      const full = await inproc([...args, "--out", join(out, "full.json")], root);
      expect(full.code).toBe(1);
      await inproc(
        [
          "grade",
          "echo",
          "--impl",
          "mutant:sometimes-wrong",
          "--seeds",
          "10",
          "--format",
          "gradescope",
          "--out",
          join(out, "full-gradescope.json"),
        ],
        root,
      );
      const shardFiles: string[] = [];
      for (let k = 1; k <= 4; k++) {
        const file = join(out, `shard-${k}.json`);
        const r = await inproc([...args, "--shard", `${k}/4`, "--out", file], root);
        expect(r.stderr + r.stdout).not.toContain("internal error");
        expect(r.stdout).toContain(`[shard ${k}/4]`);
        shardFiles.push(file);
      }
      // Each shard ran about a quarter of the 30 (test, seed) pairs, none of them twice.
      const perShard = shardFiles.map((f) => testsOf(f).reduce((a, t) => a + t.seeds.length, 0));
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(30);
      for (const n of perShard) expect([7, 8]).toContain(n);

      const merged = await inproc(
        [
          "report",
          "merge",
          ...shardFiles,
          "--out",
          join(out, "merged.json"),
          "--gradescope",
          join(out, "merged-gradescope.json"),
          "--junit",
          join(out, "merged.xml"),
        ],
        root,
      );
      expect(merged.code).toBe(1);
      expect(merged.stdout).toContain("wrote gradescope results to");
      const whole = testsOf(join(out, "full.json"));
      const joined = testsOf(join(out, "merged.json"));
      expect(joined.map(verdict)).toEqual(whole.map(verdict));
      // The run has both kinds of seeds, so the merge had failures to place and to score.
      const seeds = whole.flatMap((t) => t.seeds);
      expect(seeds.some((s) => s.status === "pass")).toBe(true);
      expect(seeds.some((s) => s.status === "fail")).toBe(true);
      expect(gradescopeTests(join(out, "merged-gradescope.json"))).toEqual(
        gradescopeTests(join(out, "full-gradescope.json")),
      );
      expect(readFileSync(join(out, "merged.xml"), "utf8")).toContain(
        `<testsuite name="echo" tests="3" failures="${whole.filter((t) => t.status !== "pass").length}"`,
      );
    },
    T,
  );

  it(
    "refuses shards that do not make one run: a missing shard, one given twice, two different n",
    async () => {
      const files = [1, 2, 3, 4].map((k) => join(out, `shard-${k}.json`));
      const missing = await inproc(["report", "merge", files[0]!, files[1]!, files[3]!], root);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("echo: shard 3/4 is missing");
      const twice = await inproc(["report", "merge", ...files, files[2]!], root);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain("shard 3/4 is given twice");
      const r = await inproc(
        [
          "grade",
          "echo",
          "--impl",
          "reference",
          "--seeds",
          "4",
          "--shard",
          "1/2",
          "--format",
          "json",
          "--out",
          join(out, "half.json"),
        ],
        root,
      );
      expect(r.code).toBe(0);
      const mixed = await inproc(["report", "merge", files[0]!, join(out, "half.json")], root);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(/is a shard of 2, .* of 4: shards of one run share n/);
      const notReport = await inproc(["report", "merge", join(out, "merged.xml")], root);
      expect(notReport.code).toBe(2);
      expect(notReport.stderr).toContain("is not JSON");
    },
    T,
  );

  it(
    "soak --shard: two machines on one seed base run every fresh (test, seed) pair once between them",
    async () => {
      const half = (k: number) =>
        inproc(["soak", "echo", "--seeds", "5", "--seed-base", "7", "--shard", `${k}/2`], root);
      const [a, b] = [await half(1), await half(2)];
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(a.stdout).toContain("seed base 7, shard 1/2");
      const runs = (out: string) => Number(/(\d+) seed runs/.exec(out)?.[1]);
      // 3 tests x 5 seeds, split 8 and 7
      expect([runs(a.stdout), runs(b.stdout)]).toEqual([8, 7]);
    },
    T,
  );

  it("checks --shard and asks for a shared seed base when fresh seeds are split", async () => {
    for (const bad of ["0/4", "5/4", "2", "a/b"]) {
      const r = await inproc(["grade", "echo", "--shard", bad], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--shard");
    }
    const explore = await inproc(["grade", "echo", "--explore", "--shard", "1/2"], root);
    expect(explore.code).toBe(2);
    expect(explore.stderr).toContain("--explore --shard needs --seed-base S");
    const soak = await inproc(["soak", "echo", "--shard", "1/2"], root);
    expect(soak.code).toBe(2);
    expect(soak.stderr).toContain("soak: --shard needs --seed-base S");
  });
});
