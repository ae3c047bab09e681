/** Part A: quorum reads and writes with last-writer-wins stamps. */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import type { Config } from "@faultline/lab-quorum-kv";
import {
  checkAllAnswered,
  cluster,
  cmpStamp,
  configText,
  describeOp,
  KvClient,
  keyStartingAt,
  stored,
  versionsText,
  type Impl,
  type Recorded,
  type Sim,
} from "./harness.ts";

const LWW: Partial<Config> = { mode: "lww", n: 3, w: 2, r: 2 };

/** The index in "w<i>" values written by the single writer. */
const indexOf = (v: string | undefined) => (v === undefined ? -1 : Number(v.slice(1)));

function replicaStates(sim: Sim, key: string): string {
  return sim.nodeIds.map((n) => `${n}: ${sim.isUp(n) ? versionsText(stored(sim, n, key) ?? []) : "down"}`).join("; ");
}

export const partA: Scenario<Impl>[] = [
  {
    part: "A",
    name: "a read sees the last acknowledged write",
    points: 11,
    seeds: 10,
    hints: [
      "A put may answer the client only after W distinct replicas acknowledged the store; a get only after R distinct replicas answered. With W + R > N the two sets overlap in at least one replica.",
      "Return the newest version among the replies (highest stamp: clock reading, then node id). Re-send to replicas that stay silent, every retryMs, until the quorum is reached or requestTimeoutMs passes: messages get lost and one replica is down.",
      "Count replies per request id and per node (a duplicated reply must not count twice), and make the stamp of a new write larger than every stamp the node has issued or seen.",
      "Store durably before you acknowledge (env.disk.write, then sync()): at the end every node crashes at once and the acknowledged writes must still be read. A coordinator that cannot reach its quorum answers fail after requestTimeoutMs.",
    ],
    async run(ctx) {
      const sim = cluster(ctx, {
        nodes: 5,
        clients: 3,
        config: LWW,
        faults: {
          drop: 0.05,
          duplicate: 0.05,
          delay: { kind: "longTail", base: { kind: "uniform", min: 1, max: 8 }, tailProbability: 0.1, tailMs: 120 },
        },
      });
      const log: Recorded[] = [];
      const writer = new KvClient(sim, "c1", log, 150);
      const readers = [new KvClient(sim, "c2", log, 150), new KvClient(sim, "c3", log, 150)];
      const upNode = () => ctx.rng.pick(sim.nodeIds.filter((n) => sim.isUp(n)));
      const keys = ["apple", "pear"];
      const until = 2_400;
      // One node at a time is crashed and later restarted, so every key keeps a quorum.
      let down: NodeId | undefined;
      for (let t = 200; t < until; t += 250) {
        sim.at(t, "nemesis: rotate crash", () => {
          if (down) sim.restart(down);
          down = ctx.rng.pick(sim.nodeIds);
          sim.crash(down);
        });
      }
      sim.at(until, "nemesis: restart", () => {
        if (down) sim.restart(down);
        down = undefined;
      });
      let i = 0;
      const attempted = new Set<string>();
      sim.spawn("writer", async () => {
        while (sim.now < until) {
          attempted.add(`w${i}`);
          const key = keys[i % 2] as string;
          const put = await writer.put(upNode(), key, `w${i}`);
          // Read your own write right away, through another node.
          if (put.ok) await writer.get(upNode(), key);
          i++;
          await writer.sleep(ctx.rng.int(15));
        }
      });
      for (const r of readers) {
        sim.spawn(`reader ${r.id}`, async () => {
          while (sim.now < until + 300) {
            await r.get(upNode(), ctx.rng.pick(keys));
            await r.sleep(ctx.rng.int(10));
          }
        });
      }
      sim.addInvariant("a read sees the last acknowledged write", () => {
        const g = log.at(-1);
        if (g?.kind !== "get" || !g.ok || g.ret !== sim.now) return undefined;
        const acked = log.filter((p) => p.kind === "put" && p.ok && p.key === g.key && p.ret < g.call);
        const last = acked.reduce<Recorded | undefined>(
          (a, p) => (!a || indexOf(p.value) > indexOf(a.value) ? p : a),
          undefined,
        );
        const got = g.values?.[0];
        if (got !== undefined && !attempted.has(got)) return `${describeOp(g)}: nobody wrote ${JSON.stringify(got)}`;
        if ((g.values?.length ?? 0) > 1) return `${describeOp(g)}: last-writer-wins mode must return at most one value`;
        if (last && indexOf(got) < indexOf(last.value)) {
          return `stale read: ${g.client} get(${g.key}) via ${g.via} at t=${g.call.toFixed(1)} ms returned ${got === undefined ? "nothing" : JSON.stringify(got)}, but put(${g.key}, ${JSON.stringify(last.value)}) had been acknowledged to ${last.client} at t=${last.ret.toFixed(1)} ms (via ${last.via}). Replicas now: ${replicaStates(sim, g.key)}`;
        }
        return undefined;
      });
      await sim.runFor(until + 400);
      const gets = log.filter((r) => r.kind === "get" && r.ok).length;
      const puts = log.filter((r) => r.kind === "put" && r.ok).length;
      // Every node crashes at once and restarts from its disk: an acknowledged write was synced
      // by W replicas, so the reads after the restart (checked by the invariant) still see it.
      for (const n of sim.nodeIds) sim.crash(n);
      for (const n of sim.nodeIds) sim.restart(n);
      sim.setFaults({ drop: 0, duplicate: 0 }); // a partial update: the delays stay
      const afterRestart: Recorded[] = [];
      sim.spawn("reads after a crash of every node", async () => {
        // The same client objects: request ids are per client and must not repeat.
        const reader = readers[0] as KvClient;
        reader.timeoutMs = 1_000;
        for (const key of keys) afterRestart.push(await reader.get(upNode(), key));
      });
      await sim.runFor(2_500);
      ctx.check(
        afterRestart.length === keys.length && afterRestart.every((r) => r.ok),
        "requests succeed while one replica is down",
        () =>
          `after every node crashed and restarted on a healthy network, ${afterRestart.map(describeOp).join("; ") || "the gets did not finish"}`,
      );
      // A coordinator cut off from every replica answers fail once requestTimeoutMs (400 ms) is over.
      const cutOff = ctx.rng.pick(sim.nodeIds);
      sim.partition(
        [cutOff],
        sim.nodeIds.filter((n) => n !== cutOff),
      ); // clients keep every link
      const unreachable: Recorded[] = [];
      sim.spawn("requests to a cut-off node", async () => {
        writer.timeoutMs = 1_000;
        unreachable.push(await writer.put(cutOff, "elsewhere", "unreachable"));
        unreachable.push(await writer.get(cutOff, "elsewhere"));
      });
      await sim.runFor(2_500);
      for (const r of unreachable)
        ctx.check(
          r.answer === "fail",
          "a request without its quorum answers fail",
          () =>
            `${cutOff} was cut off from every other node; ${describeOp(r)} got ${r.answer === undefined ? "no answer within 1000 ms" : r.answer}: after requestTimeoutMs (400 ms) without W or R replies a coordinator answers fail`,
        );
      ctx.metric("acknowledged puts", puts);
      ctx.metric("answered gets", gets);
      ctx.check(
        puts >= 8 && gets >= 40,
        "requests succeed while one replica is down",
        `only ${puts} puts and ${gets} gets were answered in ${until} ms with at most one node down (${configText(LWW)}); a quorum was always available`,
      );
    },
  },
  {
    part: "A",
    name: "W + R <= N allows stale reads, W + R > N does not",
    points: 7,
    seeds: 3,
    hints: [
      "This test runs your code twice with the same slow links: once with N=3, W=1, R=1 (a stale read must happen) and once with N=3, W=2, R=2 (it must not). If no stale read is found in the first run, your coordinator waits for more replies than W or R.",
      "Answer a put after exactly W acknowledgements and a get after exactly R replies: later replies must not delay the answer.",
      "With W=2, R=2 a get must collect replies from two distinct replicas and return the newest, even when the coordinator's own copy is old.",
    ],
    async run(ctx) {
      const nodes = ["n1", "n2", "n3"];
      const [a, b, c] = ctx.rng.shuffle(nodes) as [NodeId, NodeId, NodeId];
      const runOnce = async (config: Partial<Config>) => {
        const sim = cluster(ctx, { nodes: 3, clients: 2, config });
        const log: Recorded[] = [];
        const c1 = new KvClient(sim, "c1", log, 1_500);
        const c2 = new KvClient(sim, "c2", log, 1_500);
        const stale: string[] = [];
        sim.spawn("workload", async () => {
          for (let round = 0; round < 3; round++) {
            const key = `k${round}`;
            await c1.put(b, key, "old");
            await c1.sleep(50);
            // The coordinator's stores to the other replicas are slow: 300 ms to one, 600 ms to the other.
            sim.setLinkFaults(a, b, { delay: { kind: "constant", ms: 300 } });
            sim.setLinkFaults(a, c, { delay: { kind: "constant", ms: 600 } });
            const put = await c1.put(a, key, "new");
            const get = await c2.get(c, key);
            if (put.ok && get.ok && get.values?.[0] !== "new") {
              stale.push(
                `stale read (${configText(config)}): put(${key}, "new") via ${a} was acknowledged at t=${put.ret.toFixed(1)} ms, then get(${key}) via ${c} at t=${get.call.toFixed(1)} ms returned ${JSON.stringify(get.values)}. Replicas at that moment: ${replicaStates(sim, key)}`,
              );
            }
            sim.setLinkFaults(a, b, undefined);
            sim.setLinkFaults(a, c, undefined);
            await c1.sleep(700);
          }
        });
        await sim.runFor(5_000);
        checkAllAnswered(ctx, log, "requests succeed on slow links", `(${configText(config)})`);
        return stale;
      };
      const weak = await runOnce({ mode: "lww", n: 3, w: 1, r: 1 });
      if (weak.length > 0) ctx.log(`anomaly found as expected: ${weak[0]}`);
      ctx.check(
        weak.length > 0,
        "W + R <= N shows a stale read",
        `with N=3, W=1, R=1 and the store to ${b} and ${c} delayed by 300 and 600 ms, every get still returned the acknowledged value: the coordinator waits for more than W=1 acknowledgements or more than R=1 replies`,
      );
      const strong = await runOnce({ mode: "lww", n: 3, w: 2, r: 2 });
      ctx.check(strong.length === 0, "W + R > N has no stale read", () => strong[0] as string);
    },
  },
  {
    part: "A",
    name: "a read-modify-write wins even through a node with a slow clock",
    points: 6,
    seeds: 5,
    hints: [
      "One node's clock runs 2 s behind, another's 0.8 s ahead. A stamp taken from the local clock alone can be older than the version the client just read.",
      "The client hands back the context of its get. Make the new stamp larger than the stamp in that context, and larger than every stamp this node has seen (Lamport's rule).",
      "newStamp: t = max(floor(env.now()), highest stamp seen + 1, context.stamp.t + 1).",
      "Lamport's rule holds without a context too: a replica that stored a version stamped by a fast clock issues its next stamp above it, so a later blind write through the slow node still wins.",
    ],
    async run(ctx) {
      const sim = cluster(ctx, {
        nodes: 5,
        clients: 3,
        config: LWW,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      const [slow, fast] = ctx.rng.shuffle(sim.nodeIds) as [NodeId, NodeId];
      sim.setClock(slow, { offset: -2_000 });
      sim.setClock(fast, { offset: 800 });
      const log: Recorded[] = [];
      const problems: string[] = [];
      for (const [ci, id] of ["c1", "c2"].entries()) {
        const client = new KvClient(sim, id, log);
        sim.spawn(id, async () => {
          const key = `counter-${id}`;
          let last = "start";
          await client.put(sim.nodeIds[ci] as NodeId, key, last);
          for (let j = 0; j < 12; j++) {
            const read = await client.get(ctx.rng.pick(sim.nodeIds), key);
            if (!read.ok) continue;
            const via = sim.nodeIds[(j + ci) % sim.nodeIds.length] as NodeId;
            const value = `${id}-${j}`;
            const put = await client.put(via, key, value, read.context);
            if (!put.ok) continue;
            last = value;
            const check = await client.get(ctx.rng.pick(sim.nodeIds), key);
            if (check.ok && check.values?.[0] !== last && problems.length === 0) {
              const clockNote =
                via === slow ? " (its clock is 2000 ms behind)" : via === fast ? " (its clock is 800 ms ahead)" : "";
              problems.push(
                `${id} read ${JSON.stringify(read.values)} with context stamp ${JSON.stringify(read.context?.stamp)}, wrote ${JSON.stringify(value)} via ${via}${clockNote} (acknowledged, stamp ${JSON.stringify(put.context?.stamp)}), then read ${JSON.stringify(check.values)}: the new write was stamped older than the version it replaced. Replicas: ${replicaStates(sim, key)}`,
              );
            }
          }
        });
      }
      // Blind writes (no context): the slow node is a replica of the key, so it has stored (and
      // seen) the fast node's stamp before it coordinates the next write.
      const blind = new KvClient(sim, "c3", log);
      const blindKey = keyStartingAt(slow, sim.nodeIds, "blind");
      sim.spawn("c3", async () => {
        for (let j = 0; j < 3; j++) {
          const first = await blind.put(fast, blindKey, `fast-${j}`);
          await blind.sleep(40);
          const second = await blind.put(slow, blindKey, `slow-${j}`);
          await blind.sleep(40);
          const read = await blind.get(ctx.rng.pick(sim.nodeIds), blindKey);
          if (first.ok && second.ok && read.ok && read.values?.[0] !== `slow-${j}` && problems.length === 0) {
            problems.push(
              `c3 wrote ${JSON.stringify(`fast-${j}`)} via ${fast} (clock 800 ms ahead, stamp ${JSON.stringify(first.context?.stamp)}), then, 40 ms after ${slow} had stored it, ${JSON.stringify(`slow-${j}`)} via ${slow} (clock 2000 ms behind, stamp ${JSON.stringify(second.context?.stamp)}), both without a context; then read ${JSON.stringify(read.values)}: ${slow} stamped its write below a stamp it had already seen (Lamport's rule: above the highest t seen). Replicas: ${replicaStates(sim, blindKey)}`,
            );
          }
        }
      });
      await sim.runFor(3_000);
      ctx.check(problems.length === 0, "a write supersedes the version it read", () => problems[0] as string);
      checkAllAnswered(ctx, log, "requests succeed", "on a network without loss");
    },
  },
  {
    part: "A",
    name: "equal clock readings are ordered the same way on every replica",
    points: 6,
    seeds: 5,
    hints: [
      "Three coordinators stamp writes in the same millisecond. Replicas receive them in different orders and must still keep the same one.",
      "Compare stamps by t and then by node id, on every replica, whatever the arrival order.",
      "A replica replaces its version when the incoming stamp is greater by (t, node) — not only when t is greater.",
    ],
    async run(ctx) {
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 3,
        config: LWW,
        faults: { delay: { kind: "uniform", min: 1, max: 9 } },
      });
      for (const c of sim.clientIds) sim.setNodeFaults(c, { delay: { kind: "constant", ms: 2 } });
      const log: Recorded[] = [];
      const clients = sim.clientIds.map((id) => new KvClient(sim, id, log));
      const rounds = 8;
      const order = Array.from({ length: rounds }, () => ctx.rng.shuffle(sim.nodeIds));
      clients.forEach((client, ci) => {
        sim.spawn(client.id, async () => {
          for (let round = 0; round < rounds; round++) {
            await client.put((order[round] as NodeId[])[ci] as NodeId, `tie${round}`, `${client.id}-${round}`);
            await client.sleep(150 - ((sim.now - 10) % 150));
          }
        });
      });
      await sim.runFor(10 + rounds * 150 + 100);
      let ties = 0;
      for (let round = 0; round < rounds; round++) {
        const key = `tie${round}`;
        const puts = log.filter((r) => r.kind === "put" && r.key === key);
        ctx.check(
          puts.every((p) => p.ok),
          "requests succeed",
          () => `a put of ${key} got no answer on a network without loss`,
        );
        const stamps = puts.map((p) => p.context?.stamp).filter((s) => s !== null && s !== undefined);
        if (new Set(stamps.map((s) => s.t)).size < stamps.length) ties++;
        const held = sim.nodeIds.map((n) => ({ n, v: stored(sim, n, key) ?? [] }));
        const first = held[0] as { n: NodeId; v: ReturnType<typeof stored> & object };
        for (const h of held) {
          const same =
            h.v.length === first.v.length &&
            h.v.every(
              (v, i) =>
                cmpStamp(v.stamp, (first.v[i] as typeof v).stamp) === 0 && v.value === (first.v[i] as typeof v).value,
            );
          ctx.check(
            same,
            "replicas agree after concurrent writes",
            () =>
              `after three writes of ${key} stamped ${stamps.map((s) => `(t=${s.t}, ${s.node})`).join(", ")} settled, ${first.n} stores ${versionsText(first.v)} but ${h.n} stores ${versionsText(h.v)}`,
          );
        }
        const best = [...stamps].sort(cmpStamp).at(-1);
        const kept = first.v[0];
        ctx.check(
          best !== undefined && kept !== undefined && cmpStamp(kept.stamp, best) === 0,
          "the highest stamp wins",
          () =>
            `replicas of ${key} keep ${versionsText(first.v)}, but the highest stamp written was (t=${best?.t}, ${best?.node})`,
        );
      }
      ctx.check(
        ties > 0,
        "the test produced equal clock readings",
        "no two writes got the same clock reading t; stamp writes with the coordinator's clock reading, floor(env.now()) in ms, so simultaneous writes tie",
      );
    },
  },
];
