/** A storm is a normal failed seed: invariant "message storm", node, time, replay command, trace. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { formatFailure, gradeScenario, loadGrader } from "../src/index.ts";
import { removeTemp, tempDir } from "./helpers.ts";

afterAll(removeTemp);
const dir = tempDir("faultline-storm-");
const GRADING = pathToFileURL(fileURLToPath(new URL("../src/index.ts", import.meta.url))).href;

const node = (storm: boolean) => `
export class PingNode {
  start(env) { this.env = env; env.setTimer(100, "beat"); }
  onTimer() { for (const p of this.env.peers) this.env.send(p, { type: "Ping" }); this.env.setTimer(100, "beat"); }
  onMessage(from, msg) {
    if (msg.type === "Ping") this.env.send(from, { type: "Pong" });
    ${storm ? 'else this.env.send(from, { type: "Ping" }); // a reply triggers another request' : ""}
  }
}
`;
writeFileSync(join(dir, "calm.js"), node(false));
writeFileSync(join(dir, "storm.js"), node(true));
const scenario = (name: string, extra: string) => `{
    part: "A", name: ${JSON.stringify(name)}, points: 1, seeds: 3, hints: ["one reply per request"], ${extra}
    async run(ctx) {
      const sim = ctx.sim({ nodes: 3, factory: () => new ctx.impl.PingNode(), faults: { delay: { kind: "uniform", min: 1, max: 3 } } });
      await sim.runFor(10_000);
    },
  }`;
writeFileSync(
  join(dir, "grader.ts"),
  `import { defineLab } from ${JSON.stringify(GRADING)};
export const lab = defineLab({
  lab: "storm", title: "storm fixture", root: ${JSON.stringify(dir)}, parts: { A: "A" },
  limits: { sendsPerNodePerSecond: 500 },
  scenarios: [${scenario("ping pong", "")}, ${scenario("tight", "limits: { sendsPerNodePerSecond: 5 },")}],
});
`,
);
const GRADER = join(dir, "grader.ts");
const lab = await loadGrader(GRADER);
const grade = (name: string, impl: string) =>
  gradeScenario(lab, lab.scenarios.find((s) => s.name === name)!, {
    lab: "storm",
    graderModule: GRADER,
    impl: join(dir, impl),
    pool: "inline",
    traceDir: join(dir, "traces"),
  });

describe("storm limits in a grader", () => {
  it("a storming node fails every seed as a message storm, with replay command and trace", async () => {
    const r = await grade("ping pong", "storm.js");
    expect(r.status).toBe("fail");
    expect(r.seeds.map((s) => s.status)).toEqual(["fail", "fail", "fail"]);
    const f = r.firstFailure!.failure!;
    expect(f.invariant).toBe("message storm");
    expect(f.node).toMatch(/^n[123]$/);
    expect(f.message).toMatch(
      /^n[123] sent 501 messages \(\d+ of them P[io]ng\) in 1 s of virtual time \(t=\d+\.\.\d+ ms; limit 500 per node per second\): a message storm\. Does a reply trigger another request\?$/,
    );
    expect(r.replay).toContain('--only "ping pong" --seed 1 --impl');
    const text = formatFailure(r);
    expect(text).toContain("invariant: message storm (n");
    const json = JSON.parse(readFileSync(r.firstFailure!.traceFiles.find((p) => p.endsWith(".json"))!, "utf8"));
    expect(json.violation.invariant).toBe("message storm");
  }, 60_000);

  it("a calm node passes under the same limits, and its peaks are reported per seed", async () => {
    const r = await grade("ping pong", "calm.js");
    expect(r.status).toBe("pass");
    for (const s of r.seeds) {
      expect(s.peaks?.sendsPerNodePerSecond).toBeGreaterThanOrEqual(20);
      expect(s.peaks?.sendsPerNodePerSecond).toBeLessThanOrEqual(60);
    }
  }, 60_000);

  it("a scenario's own limits override the lab's", async () => {
    const r = await grade("tight", "calm.js");
    expect(r.status).toBe("fail");
    expect(r.firstFailure?.failure?.message).toMatch(/limit 5 per node per second/);
  }, 60_000);
});
