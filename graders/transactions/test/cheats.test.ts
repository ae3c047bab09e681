/**
 * Shortcuts that must score nothing where they matter: a participant that always votes no
 * (trivially atomic, and useless), a coordinator that always commits, a participant that settles
 * its doubt by guessing abort at once, a saga that compensates every order (never half done, and
 * useless), a consumer that drops every event (never applies one twice), a relay that never
 * publishes, a choreography that compensates every order. Each is the reference with one part replaced, graded as a
 * learner's submission from outside the course.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool, type ScenarioResult } from "@faultline/grading";
import { gradeOneTest, referenceCheats } from "@faultline/grading/vitest";
import { lab } from "../src/index.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const REFERENCE = fileURLToPath(new URL("../../../labs/transactions/reference/", import.meta.url));
/** Every file of the reference, and the message files of src/ they import. */
const FILES = readdirSync(REFERENCE).filter((f) => f.endsWith(".ts"));
const MESSAGES = readdirSync(join(REFERENCE, "../src")).filter((f) => f.endsWith("messages.ts"));
const pool = new WorkerPool(2);
const cheats = referenceCheats("transactions", REFERENCE, FILES, MESSAGES);
afterAll(async () => {
  await pool.close();
  cheats.dispose();
});
const cheat = cheats.cheat;
const grade = (impl: string, test: string): Promise<ScenarioResult> =>
  gradeOneTest(lab, GRADER, impl, test, { seeds: [1, 2, 3], pool });

const T = 120_000;

describe("shortcuts score 0 in the tests they dodge", () => {
  it(
    "a participant that always votes no",
    async () => {
      const impl = cheat(
        "participant.ts",
        "if (locked || (this.balance[msg.write.account] ?? 0) + msg.write.delta < 0) {",
        "if (true as boolean) {",
      );
      for (const test of [
        "commits and aborts atomically",
        "a yes vote is kept until the decision",
        "in doubt, participants block until the coordinator is back",
        "in doubt, participants ask each other",
      ]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant, test).toBe("a transaction every participant can do commits");
      }
    },
    T,
  );

  it(
    "a coordinator that always commits",
    async () => {
      const impl = cheat(
        "coordinator.ts",
        'if (msg.vote === "no") this.decide(t, "abort");',
        'if (msg.vote === "no") this.decide(t, "commit");',
      );
      const r = await grade(impl, "commits and aborts atomically");
      expect(r.earned).toBe(0);
      expect(["all participants commit or all abort", "commit only after every yes"]).toContain(
        r.firstFailure?.failure?.invariant,
      );
    },
    T,
  );

  it(
    "a participant that aborts as soon as it is in doubt",
    async () => {
      const impl = cheat(
        "participant.ts",
        "      if (now - since < QUERY_MS) continue;\n",
        '      if (now - since < QUERY_MS) continue;\n      this.finish(txn, rec, "abort");\n      continue;\n',
      );
      for (const test of [
        "a yes vote is kept until the decision",
        "in doubt, participants block until the coordinator is back",
      ]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant, test).toBe("a participant that voted yes waits for the decision");
      }
    },
    T,
  );

  it(
    "a saga that compensates every order",
    async () => {
      const impl = cheat(
        "orchestrator.ts",
        "        if (msg.ok) this.advance(s, s.at + 1);",
        "        if (msg.ok) this.compensateFrom(s, s.at);",
      );
      for (const test of [
        "every order ends done or compensated",
        "a saga survives crashes of the orchestrator and the services",
      ]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant, test).toBe("an order every service can do is done");
      }
    },
    T,
  );

  it(
    "a consumer that drops every event",
    async () => {
      const impl = cheat("consumer.ts", '    if (msg.type !== "event") return;', "    return;");
      for (const test of ["no event is lost across a crash between commit and publish", "no effect is applied twice"]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant, test).toBe("no event is lost");
      }
    },
    T,
  );

  it(
    "a relay that never publishes",
    async () => {
      const impl = cheat("producer.ts", "    this.relay();\n", "");
      const r = await grade(impl, "no effect is applied twice");
      expect(r.earned).toBe(0);
      expect(r.firstFailure?.failure?.invariant).toBe("no event is lost");
    },
    T,
  );

  it(
    "a choreography that compensates every order",
    async () => {
      const impl = cheat(
        "choreography.ts",
        '        this.emit(e.order, this.step(e.order, e.amounts) ? "charged" : "charge_failed", e.amounts);',
        '        this.emit(e.order, "charge_failed", e.amounts);',
      );
      const r = await grade(impl, "choreography: every order ends done or compensated");
      expect(r.earned).toBe(0);
      expect(r.firstFailure?.failure?.invariant).toBe("an order every service can do is done");
    },
    T,
  );
});
