/** `faultline soak` on the course fixture: fresh seeds, every seed run, failures with replays. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabGrader } from "@faultline/grading";
import { soakScenarios, soakSeeds } from "../src/commands/soak.ts";
import { cli, inproc, makeCourse, removeTemp } from "./fixture.ts";

let root = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
  // A mutant that fails on some seeds only: its bug depends on the node's seeded randomness.
  const dir = join(root, "labs", "echo", "mutants", "sometimes-wrong");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "mutant.json"),
    JSON.stringify({ bug: "now and then answers upper-cased", targets: ["echo under loss"] }),
  );
  // The bug as the reference with one line changed, like every mutant.
  writeFileSync(
    join(dir, "sometimes-wrong.patch"),
    `--- a/index.ts
+++ b/index.ts
@@ -13,5 +13,5 @@
     if (msg.type !== "echo") return;
     this.answered++;
-    this.env.send(from, { type: "echoed", id: msg.id, text: msg.text });
+    this.env.send(from, { type: "echoed", id: msg.id, text: this.env.random() < 0.03 ? msg.text.toUpperCase() : msg.text });
   }
   onTimer(_tag: string): void {}
`,
  );
});
const T = 120_000;

describe("soak", () => {
  it(
    "passes the reference on fresh seeds, prints them and a table per lab",
    async () => {
      const r = await cli(["soak", "echo", "--seeds", "6"], { root });
      expect(r.code).toBe(0);
      const m = r.stdout.match(
        /soak: 6 fresh seeds per scenario \(impl reference\), seed base (\d+): ((?:\d+ ?){6})\n/,
      );
      expect(m).not.toBeNull();
      const [base, listed] = [Number(m?.[1]), (m?.[2] ?? "").trim().split(" ").map(Number)];
      expect(listed).toEqual(soakSeeds(base, 6));
      expect(r.stdout).toContain(`(same seeds again: pnpm soak echo --seeds 6 --seed-base ${base})`);
      expect(r.stdout).toMatch(/echo soak\n\s+scenario\s+seeds\s+failures\s+wall\n/);
      for (const name of ["echo under loss", "echo on a clean network", "secret check"])
        expect(r.stdout).toMatch(new RegExp(`\\n  ${name}\\s+6\\s+0\\s`));
      expect(r.stdout).toMatch(/\n {2}total\s+18\s+0\s/);
      expect(r.stdout).toContain("soak: 1 lab, 3 scenarios, 18 seed runs, 0 failures");
      expect(r.stdout).not.toContain("replay:");
    },
    T,
  );

  it(
    "runs every seed of a mutant, prints each failure with its replay command, exits 1",
    async () => {
      const r = await inproc(
        [
          "soak",
          "echo",
          "--only",
          "echo under loss",
          "--impl",
          "mutant:sometimes-wrong",
          "--seeds",
          "12",
          "--seed-base",
          "42",
        ],
        root,
      );
      expect(r.code).toBe(1);
      const seeds = soakSeeds(42, 12);
      expect(r.stdout).toContain(`seed base 42: ${seeds.join(" ")}`);
      const failed = [
        ...r.stdout.matchAll(
          /✗ echo "echo under loss" seed (\d+) \(fail[^)]*\): echo is exact: sent "hello \d+", got back "HELLO \d+"\n {4}replay: (.*)\n/g,
        ),
      ];
      // some seeds pass and some fail, and every failing one is reported (no stop at the first)
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThan(12);
      for (const [, seed, replay] of failed) {
        expect(seeds).toContain(Number(seed));
        expect(replay).toBe(
          `pnpm faultline grade echo --only "echo under loss" --seed ${seed} --impl mutant:sometimes-wrong --trace`,
        );
      }
      expect(r.stdout).toMatch(new RegExp(`\\n  echo under loss\\s+12\\s+${failed.length}\\s`));
      expect(r.stdout).toContain(
        `soak: 1 lab, 1 scenarios, 12 seed runs, ${failed.length} failing seed${failed.length === 1 ? "" : "s"}`,
      );
      // a printed replay reproduces its seed's failure
      const [, seed] = failed[0] as RegExpMatchArray;
      const replay = await cli(
        ["grade", "echo", "--only", "echo under loss", "--seed", String(seed), "--impl", "mutant:sometimes-wrong"],
        { root },
      );
      expect(replay.code).toBe(1);
      expect(replay.stdout).toContain(`first failing seed: ${seed}`);
    },
    T,
  );

  it(
    "repeats a run's seeds from its base",
    async () => {
      const a = await inproc(
        [
          "soak",
          "echo",
          "--only",
          "echo on a clean network",
          "--impl",
          "reference",
          "--seeds",
          "4",
          "--seed-base",
          "7",
        ],
        root,
      );
      const b = await inproc(
        ["soak", "echo", "--only", "echo on a clean network", "--seeds", "4", "--seed-base", "7"],
        root,
      );
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      const line = (s: string) => s.split("\n")[0];
      expect(line(a.stdout)).toBe(line(b.stdout));
      expect(new Set(soakSeeds(7, 4)).size).toBe(4);
      expect(soakSeeds(8, 4)).not.toEqual(soakSeeds(7, 4));
    },
    T,
  );

  it("skips scenarios with real processes unless asked", () => {
    const s = (name: string, deterministic?: boolean) => ({
      part: "A",
      name,
      points: 1,
      hints: ["h"],
      run: () => {},
      ...(deterministic === undefined ? {} : { deterministic }),
    });
    const grader = {
      lab: "x",
      title: "x",
      parts: { A: "A", B: "B" },
      scenarios: [s("sim"), s("http", false), { ...s("other"), part: "B" }],
    } as LabGrader;
    const names = (r: { run: { name: string }[]; skipped: { name: string }[] }) => [
      r.run.map((x) => x.name),
      r.skipped.map((x) => x.name),
    ];
    expect(names(soakScenarios(grader, { real: false }))).toEqual([["sim", "other"], ["http"]]);
    expect(names(soakScenarios(grader, { real: true }))).toEqual([["sim", "http", "other"], []]);
    expect(names(soakScenarios(grader, { real: false, parts: ["B"] }))).toEqual([["other"], []]);
    expect(names(soakScenarios(grader, { real: false, only: "http" }))).toEqual([["http"], []]);
  });

  it("usage errors exit 2 and name the flags", async () => {
    const r = await inproc(["soak"], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("soak: which lab?");
    const s = await inproc(["soak", "echo", "--impl", "stub"], root);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("soak: the stubs fail every seed");
    const n = await inproc(["soak", "echo", "--seeds", "0"], root);
    expect(n.code).toBe(2);
    expect(n.stderr).toContain("--seeds needs a whole number >= 1");
    const h = await inproc(["help", "soak"], root);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--seed-base S");
  });
});
