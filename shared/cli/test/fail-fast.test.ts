/** A learner's run stops a test at its first failing seed; instructor and machine runs run every seed. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inproc, makeCourse, removeTemp } from "./fixture.ts";

let root = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
  // The learner's src holds the wrong-text bug: every seed of "echo under loss" fails. (Its own
  // code: a learner's files may not import the reference.)
  const stub = join(root, "labs", "echo", "src", "index.ts");
  const given = readFileSync(stub, "utf8");
  const bug = `${given.slice(0, given.indexOf("export class EchoNode"))}export class EchoNode implements Node<EchoMsg> {
  private env!: Env<EchoMsg>;
  start(env: Env<EchoMsg>): void {
    this.env = env;
  }
  onMessage(from: NodeId, msg: EchoMsg): void {
    if (msg.type === "echo") this.env.send(from, { type: "echoed", id: msg.id, text: msg.text.toUpperCase() });
  }
  onTimer(_tag: string): void {}
}
`;
  writeFileSync(stub, bug.replace("NotImplemented, ", ""));
});
const T = 60_000;
const only = ["--only", "echo under loss", "--jobs", "1"];

describe("fail fast", () => {
  it(
    "a learner's run stops the test at its first failing seed and says how to run the rest",
    async () => {
      const r = await inproc(["grade", "echo", ...only], root);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ echo A "echo under loss": 1 of 1 seeds failed');
      expect(r.stdout).toContain("first failing seed: 1");
      expect(r.stdout).toContain(
        'not run: 3 of 4 seeds not run (a test stops at its first failing seed; it already scores 0). Run them all: pnpm faultline grade echo --only "echo under loss" --all-seeds',
      );
      expect(r.stdout).toMatch(/✗ echo under loss\s+0\/10\s+1\/1 seeds failed, 3 not run/);
    },
    T,
  );

  it(
    "--all-seeds runs every seed, with the same points",
    async () => {
      const r = await inproc(["grade", "echo", ...only, "--all-seeds"], root);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
      expect(r.stdout).not.toContain("not run");
      expect(r.stdout).toMatch(/✗ echo under loss\s+0\/10\s+4\/4 seeds failed/);
    },
    T,
  );

  it(
    "instructor and machine-readable runs run every seed",
    async () => {
      const mutant = await inproc(["grade", "echo", ...only, "--impl", "mutant:wrong-text"], root);
      expect(mutant.stdout).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
      const det = await inproc(["grade", "echo", ...only, "--determinism"], root);
      expect(det.stdout).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
      const json = await inproc(["grade", "echo", ...only, "--format", "json"], root);
      expect(json.code).toBe(1);
      const rep = JSON.parse(json.stdout);
      const test = JSON.stringify(rep);
      expect(test).not.toContain("not run");
      expect(json.stderr).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
    },
    T,
  );
});
