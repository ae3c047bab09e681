/**
 * What Part D's README claims and no learner can fix: a majority lock (Redlock) is safe only
 * while clocks behave. With the reference client and servers, one server's clock jumps forward
 * while m1 holds a lease there; that server forgets m1's lease at once and grants m2, whose
 * majority now overlaps m1's. Both believe they hold the lock: only fencing at the resource,
 * with tokens from a single ordered source, could still keep the storage safe.
 */
import { describe, expect, it } from "vitest";
import { Simulation } from "@faultline/sim";
import {
  LEASE_TTL_MS,
  LOCK_SERVERS,
  LockServer,
  MajorityLockClient,
  type Msg,
  type Timer,
} from "@faultline/lab-lease-lock/reference";

function cluster(seed: number): Simulation<Msg, Timer> {
  const sim = new Simulation<Msg, Timer>({
    seed,
    nodes: [...LOCK_SERVERS, "m1", "m2"],
    factory: (id) => (LOCK_SERVERS.includes(id) ? new LockServer() : new MajorityLockClient()),
  });
  // m1 reaches l1, l2, l3; m2 reaches l3, l4, l5: their only shared server is l3.
  for (const [client, cut] of [
    ["m1", ["l4", "l5"]],
    ["m2", ["l1", "l2"]],
  ] as const) {
    for (const s of cut) {
      sim.blockOneWay(client, s);
      sim.blockOneWay(s, client);
    }
  }
  return sim;
}

const holding = (sim: Simulation<Msg, Timer>, id: string) => sim.node<MajorityLockClient>(id)?.holding() === true;

describe("a clock jump on one server breaks a majority lock", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: two holders at once once l3's clock jumps`, async () => {
      const sim = cluster(seed);
      // While clocks behave, the shared server keeps them apart.
      let both = false;
      sim.addInvariant("watch", () => {
        if (holding(sim, "m1") && holding(sim, "m2")) both = true;
        return undefined;
      });
      await sim.runFor(5000);
      expect(both).toBe(false);
      // m2 is frozen while m1 takes a fresh hold on l1, l2, l3; then l3's clock leaps past
      // m1's lease, and m2 wakes up and asks l3, l4, l5.
      sim.pause("m2");
      await sim.runUntil(() => !holding(sim, "m1"), { maxMs: 5000 });
      const held = await sim.runUntil(() => holding(sim, "m1"), { maxMs: 5000 });
      expect(held).toBe(true);
      sim.clockJump("l3", 2 * LEASE_TTL_MS);
      sim.resume("m2");
      await sim.runFor(LEASE_TTL_MS);
      expect(both).toBe(true);
    });
  }
});
