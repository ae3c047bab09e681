/**
 * Part C: a totally ordered group chat. A client posts messages at random nodes; the grader
 * watches what every node shows (its `delivered` hook) after every step and checks it against
 * Lamport's total order and the run's real happened-before relation.
 */
import type { Scenario } from "@faultline/grading";
import { compareVectors, type Delay, type LinkFaults, type NodeId, type Simulation } from "@faultline/sim";
import type * as Lab from "@faultline/lab-lamport-clock";
import { fmtT } from "./recorder.ts";
import type { Ctx, LabModule } from "./common.ts";

const num = (id: string) => Number(id.slice(1));
/** The retransmission period the lab gives (RETRANSMIT_MS in src/chat.ts). */
const RETRANSMIT_MS = 30;
const byStamp = (a: Lab.ChatEntry, b: Lab.ChatEntry) => (a.ts !== b.ts ? a.ts - b.ts : num(a.from) - num(b.from));
const showEntry = (e: Lab.ChatEntry) => `"${e.text}" (ts ${e.ts}, from ${e.from})`;

interface Posted {
  text: string;
  origin: NodeId;
  /** Ground-truth vector clock of the post event (the origin handling the client's request). */
  vc?: number[];
  t?: number;
}

/** Watches every node's `delivered` list and checks the rules after every step. */
class ChatWatch {
  readonly posted = new Map<string, Posted>();
  /** The order every node must follow, fixed by whoever shows a position first. */
  private readonly canonical: Array<{ entry: Lab.ChatEntry; node: NodeId }> = [];
  private readonly seen = new Map<NodeId, number>();
  private readonly stamps = new Map<string, { entry: Lab.ChatEntry; node: NodeId }>();
  private readonly shown = new Map<NodeId, Set<string>>();
  private failure: { invariant: string; message: string } | undefined;

  constructor(private readonly sim: Simulation<Lab.ChatMsg>) {
    for (const id of sim.nodeIds) {
      this.seen.set(id, 0);
      this.shown.set(id, new Set());
    }
    sim.onEvent((e) => {
      if (e.kind !== "deliver" || !sim.clientIds.includes(e.peer ?? "") || !e.payload) return;
      const msg = JSON.parse(e.payload) as Lab.ChatMsg;
      if (msg.type !== "post") return;
      const p = this.posted.get(msg.text);
      if (p && p.vc === undefined && e.vc) {
        p.vc = e.vc;
        p.t = e.t;
      }
    });
    for (const name of [
      "delivered entries are real messages",
      "same order on every node",
      "delivery follows the Lamport total order",
      "no message before one that happened before it",
    ]) {
      sim.addInvariant(name, () => {
        this.scan();
        return this.failure?.invariant === name ? this.failure.message : undefined;
      });
    }
  }

  /** The client asks `node` to post `text`. */
  post(node: NodeId, text: string): void {
    this.posted.set(text, { text, origin: node });
    this.sim.client("c1").send(node, { type: "post", text });
  }

  delivered(id: NodeId): Lab.ChatEntry[] {
    const d = this.sim.node<Lab.ChatNode>(id)?.delivered;
    return Array.isArray(d) ? d : [];
  }

  hasShown(id: NodeId, text: string): boolean {
    return this.shown.get(id)?.has(text) ?? false;
  }

  /** Every node shows every posted message. */
  complete(): boolean {
    return this.sim.nodeIds.every((id) => (this.shown.get(id) as Set<string>).size === this.posted.size);
  }

  missing(): string {
    const out: string[] = [];
    for (const id of this.sim.nodeIds) {
      const miss = [...this.posted.keys()].filter((t) => !this.hasShown(id, t));
      if (miss.length > 0)
        out.push(
          `${id} never showed ${miss
            .slice(0, 5)
            .map((t) => `"${t}"`)
            .join(", ")}${miss.length > 5 ? ` and ${miss.length - 5} more` : ""}`,
        );
    }
    return out.join("; ");
  }

  private fail(invariant: string, message: string): void {
    this.failure ??= { invariant, message };
  }

  scan(): void {
    if (this.failure) return;
    for (const id of this.sim.nodeIds) {
      const list = this.delivered(id);
      let k = this.seen.get(id) as number;
      for (; k < list.length && !this.failure; k++) this.check(id, list, k);
      this.seen.set(id, k);
    }
  }

  private check(id: NodeId, list: Lab.ChatEntry[], k: number): void {
    const e = list[k] as Lab.ChatEntry;
    const shown = this.shown.get(id) as Set<string>;
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.text !== "string" ||
      typeof e.ts !== "number" ||
      typeof e.from !== "string"
    ) {
      return this.fail(
        "delivered entries are real messages",
        `${id} showed ${JSON.stringify(e)} as message #${k + 1}; entries are { ts, from, text }`,
      );
    }
    const p = this.posted.get(e.text);
    if (!p) return this.fail("delivered entries are real messages", `${id} showed "${e.text}", which nobody posted`);
    if (e.from !== p.origin)
      return this.fail(
        "delivered entries are real messages",
        `${id} showed ${showEntry(e)}, but "${e.text}" was posted at ${p.origin}`,
      );
    if (shown.has(e.text))
      return this.fail(
        "delivered entries are real messages",
        `${id} showed "${e.text}" twice (as #${list.findIndex((x) => x.text === e.text) + 1} and #${k + 1}): duplicates from the network must be filtered`,
      );
    const first = this.stamps.get(e.text);
    if (first && (first.entry.ts !== e.ts || first.entry.from !== e.from)) {
      return this.fail(
        "same order on every node",
        `${id} shows "${e.text}" with stamp (${e.ts}, ${e.from}) but ${first.node} showed it with (${first.entry.ts}, ${first.entry.from}): a message has one stamp, given by its sender`,
      );
    }
    if (!first) this.stamps.set(e.text, { entry: e, node: id });
    const prev = list[k - 1];
    if (prev && byStamp(prev, e) >= 0) {
      return this.fail(
        "delivery follows the Lamport total order",
        `${id} showed ${showEntry(prev)} and then ${showEntry(e)}: messages are shown in increasing (ts, node number) order`,
      );
    }
    const c = this.canonical[k];
    if (c === undefined) this.canonical[k] = { entry: e, node: id };
    else if (c.entry.text !== e.text) {
      return this.fail(
        "same order on every node",
        `${id} showed ${showEntry(e)} as message #${k + 1}, but ${c.node} showed ${showEntry(c.entry)} there: a node may show a message only once no message with a smaller stamp can still arrive`,
      );
    }
    if (p.vc) {
      for (const q of this.posted.values()) {
        if (q.vc && q.text !== e.text && !shown.has(q.text) && compareVectors(q.vc, p.vc) === "before") {
          return this.fail(
            "no message before one that happened before it",
            `${id} showed "${e.text}" before "${q.text}", but "${q.text}" (posted at ${q.origin}, t=${fmtT(q.t ?? 0)} ms) happened before "${e.text}" (posted at ${p.origin}, t=${fmtT(p.t ?? 0)} ms): its stamp must be smaller, and it must be shown first`,
          );
        }
      }
    }
    shown.add(e.text);
  }

  /** The first failure, for end-of-run checks. */
  get firstFailure(): { invariant: string; message: string } | undefined {
    this.scan();
    return this.failure;
  }
}

function chatRun(ctx: Ctx, nodes: number, faults: Partial<LinkFaults>) {
  const sim = ctx.sim<Lab.ChatMsg>({ nodes, clients: 1, factory: () => new ctx.impl.ChatNode(), faults });
  // The client's requests arrive exactly once: only the nodes' own traffic is attacked.
  for (const n of sim.nodeIds)
    sim.setLinkFaults("c1", n, { drop: 0, duplicate: 0, delay: { kind: "constant", ms: 1 } });
  return { sim, watch: new ChatWatch(sim) };
}

/** Post `count` messages at random nodes, one every 5-40 ms, starting at t=5 ms. */
function postRandomly(ctx: Ctx, sim: Simulation<Lab.ChatMsg>, watch: ChatWatch, count: number, prefix = "m"): void {
  let t = 5;
  for (let k = 1; k <= count; k++) {
    const node = sim.nodeIds[ctx.rng.int(sim.nodeIds.length)] as NodeId;
    sim.at(t, `post ${prefix}${k}`, () => watch.post(node, `${prefix}${k} from ${node}`));
    t += 5 + ctx.rng.int(35);
  }
}

async function settle(ctx: Ctx, sim: Simulation<Lab.ChatMsg>, watch: ChatWatch, withinMs: number): Promise<void> {
  sim.setFaults({ drop: 0, duplicate: 0 });
  const ok = await sim.runUntil(() => watch.complete() || watch.firstFailure !== undefined, { maxMs: withinMs });
  const f = watch.firstFailure;
  if (f) ctx.fail(f.invariant, f.message);
  ctx.check(
    ok,
    "every node shows every message",
    () =>
      `${withinMs} ms after the network healed: ${watch.missing()}. Lost messages must be resent until acknowledged, and every node must hear from every peer.`,
  );
}

const REORDER: Delay = {
  kind: "longTail",
  base: { kind: "uniform", min: 1, max: 25 },
  tailProbability: 0.15,
  tailMs: 150,
};

export const partC: ReadonlyArray<Scenario<LabModule>> = [
  {
    part: "C",
    name: "group chat: same order on every node",
    points: 6,
    seeds: 5,
    hints: [
      "Every node must show the same messages in the same order: the order of their (ts, node number) stamps.",
      "Showing a message as soon as it arrives is too early: a message with a smaller stamp may still be on its way from another node.",
      "Show the smallest queued message only once every other node has sent you something stamped later (acknowledge every chat message to all nodes so that they do), over FIFO links.",
    ],
    async run(ctx) {
      const { sim, watch } = chatRun(ctx, 4, { delay: { kind: "uniform", min: 1, max: 30 } });
      postRandomly(ctx, sim, watch, 30);
      await sim.runFor(900);
      await settle(ctx, sim, watch, 3000);
    },
  },
  {
    part: "C",
    name: "group chat: no answer before its question",
    points: 6,
    seeds: 5,
    hints: [
      "Here a node answers a question as soon as it shows it; everyone must show the question before the answer.",
      "The total order by Lamport stamps extends happened-before, but only if the answer's stamp is larger than the question's: the receive rule must run on every message, and delivery must wait.",
      "An answer posted after showing the question has a larger stamp; a node that shows the answer first did not wait to hear from the question's sender (or from everyone).",
    ],
    async run(ctx) {
      const { sim, watch } = chatRun(ctx, 5, { delay: REORDER });
      const questions = 15;
      const answerer = new Map<string, NodeId>();
      let t = 5;
      for (let k = 1; k <= questions; k++) {
        const asker = sim.nodeIds[ctx.rng.int(sim.nodeIds.length)] as NodeId;
        const others = sim.nodeIds.filter((n) => n !== asker);
        const text = `q${k} from ${asker}`;
        answerer.set(text, others[ctx.rng.int(others.length)] as NodeId);
        sim.at(t, `post q${k}`, () => watch.post(asker, text));
        t += 10 + ctx.rng.int(50);
      }
      // Answer each question at its answerer right after that node shows it.
      const answered = new Set<string>();
      const poll = () => {
        for (const [q, who] of answerer) {
          if (!answered.has(q) && watch.hasShown(who, q)) {
            answered.add(q);
            watch.post(who, `re: ${q.split(" ")[0]} from ${who}`);
          }
        }
        if (answered.size < answerer.size) sim.after(2, "answer shown questions", poll);
      };
      sim.at(1, "answer shown questions", poll);
      await sim.runFor(t + 200);
      await settle(ctx, sim, watch, 4000);
      ctx.check(
        answered.size === questions,
        "every question is answered",
        `only ${answered.size} of ${questions} questions were shown at their answerer`,
      );
    },
  },
  {
    part: "C",
    name: "group chat under loss and duplication",
    points: 8,
    seeds: 5,
    hints: [
      "Now messages between nodes are lost (20%), duplicated (20%) and reordered. Nothing may be shown twice or out of order, and after the network heals every node must show every message.",
      "Build FIFO links: number messages per destination, buffer early arrivals, ignore repeats, acknowledge what you processed, and resend on a timer what is not acknowledged.",
      "Process a peer's messages strictly in sequence order; the delivery condition (heard from everyone beyond the stamp) is only sound over such links.",
    ],
    async run(ctx) {
      const { sim, watch } = chatRun(ctx, 4, {
        drop: 0.2,
        duplicate: 0.2,
        delay: { kind: "uniform", min: 1, max: 25 },
      });
      let resent: number | undefined;
      sim.onEvent((e) => {
        if (resent === undefined || e.kind !== "send" || !sim.nodeIds.includes(e.node)) return;
        const text = e.payload ?? (e.msg !== undefined ? JSON.stringify(e.msg) : undefined);
        if (text !== undefined && (JSON.parse(text) as { type?: string }).type === "link") resent++;
      });
      postRandomly(ctx, sim, watch, 25);
      await sim.runFor(1000);
      await settle(ctx, sim, watch, 5000);
      // Every node shows every message on a healed network: within a few retransmission periods
      // every link message is acknowledged, and then nothing is resent.
      await sim.runFor(10 * RETRANSMIT_MS);
      resent = 0;
      await sim.runFor(10 * RETRANSMIT_MS);
      ctx.check(
        resent === 0,
        "retransmission stops once acknowledged",
        () =>
          `every node had shown every message for ${10 * RETRANSMIT_MS} ms on a network that no longer loses anything, yet the nodes sent ${resent} link messages in the next ${10 * RETRANSMIT_MS} ms: a link-ack must stop the resending of what it acknowledges`,
      );
      ctx.metric("messages sent", sim.stats.sent);
    },
  },
];
