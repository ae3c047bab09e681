/**
 * The exhaustive search on toy protocols whose state spaces are counted by hand: a vote
 * coordinator that counts votes instead of voters (a duplicate makes it commit), a store that
 * acknowledges before it syncs (a crash loses an acknowledged write), a ticking node, and a
 * primary-backup register read by scripted clients (one request after another).
 */
import { describe, expect, it } from "vitest";
import {
  counterexampleTrace,
  formatCounterexample,
  inProcessHost,
  replayEvents,
  search,
  SearchBudgetExceeded,
  type Env,
  type Node,
  type NodeId,
  type SearchConfig,
  type InProcessState,
  type SearchView,
  type World,
  worldKey,
} from "../src/index.ts";

type Vote = { type: "prepare" } | { type: "yes" } | { type: "no" };

/** n1 asks n2 and n3 to vote; n2 votes yes, n3 votes no. */
class Voter implements Node<Vote> {
  env!: Env<Vote>;
  yes = 0;
  voters = new Set<NodeId>();
  committed = false;
  aborted = false;
  constructor(private readonly countVoters: boolean) {}
  start(env: Env<Vote>): void {
    this.env = env;
    if (env.id === "n1") for (const p of env.peers) env.send(p, { type: "prepare" });
  }
  onMessage(from: NodeId, msg: Vote): void {
    if (msg.type === "prepare") this.env.send(from, { type: this.env.id === "n2" ? "yes" : "no" });
    if (msg.type === "no") this.aborted = true;
    if (msg.type === "yes") {
      // The bug: a duplicated yes counts twice unless voters are counted.
      if (this.countVoters) this.voters.add(from);
      else this.yes++;
      if ((this.countVoters ? this.voters.size : this.yes) === 2) this.committed = true;
    }
  }
  onTimer(): void {}
}

function voteConfig(
  countVoters: boolean,
  over: Partial<SearchConfig<InProcessState>> = {},
): SearchConfig<InProcessState> {
  return {
    nodes: ["n1", "n2", "n3"],
    host: inProcessHost(() => new Voter(countVoters)),
    invariants: [
      {
        name: "commit only when every participant voted yes",
        check: (v) => (v.node<Voter>("n1")?.committed ? "n1 committed although n3 voted no" : undefined),
      },
    ],
    limits: { maxDepth: 20, maxStates: 10_000 },
    ...over,
  };
}

describe("breadth-first search", () => {
  it("explores every ordering of a reliable network once: 3 x 3 worlds", () => {
    // Each voter's chain is in one of three places (prepare in flight, vote in flight, vote
    // counted), whatever the order of the two chains: 9 distinct worlds, 4 events deep.
    const r = search(voteConfig(false));
    expect(r.outcome).toBe("exhausted");
    expect(r.states).toBe(9);
    expect(r.depth).toBe(4);
    expect(r.counterexample).toBeUndefined();
  });

  it("finds the duplicated vote at its shortest depth, 3 events", () => {
    const r = search(voteConfig(false, { faults: { duplicate: true } }));
    expect(r.outcome).toBe("violation");
    const c = r.counterexample;
    expect(c?.name).toBe("commit only when every participant voted yes");
    expect(c?.events).toEqual([
      { kind: "deliver", from: "n1", to: "n2", text: '{"type":"prepare"}' },
      { kind: "deliver", from: "n2", to: "n1", text: '{"type":"yes"}', keep: true },
      { kind: "deliver", from: "n2", to: "n1", text: '{"type":"yes"}' },
    ]);
    const text = formatCounterexample(c as NonNullable<typeof c>);
    expect(text).toContain("after 3 events");
    expect(text).toContain('n1 receives {"type":"yes"} from n2 (the network keeps a copy');
  });

  it("passes the fixed coordinator under duplication and loss", () => {
    const r = search(voteConfig(true, { faults: { duplicate: true, drop: true } }));
    expect(r.outcome).toBe("exhausted");
    expect(r.counterexample).toBeUndefined();
  });

  it("stops at a goal and reports the path to it", () => {
    const r = search(
      voteConfig(true, { goals: [{ name: "n1 aborts", test: (v) => v.node<Voter>("n1")?.aborted === true }] }),
    );
    expect(r.outcome).toBe("goal");
    expect(r.counterexample?.events.length).toBe(2);
  });

  it("does not expand pruned worlds", () => {
    const full = search(voteConfig(true));
    const pruned = search(
      voteConfig(true, {
        prunes: [{ name: "n3 has voted", test: (v) => v.network.some((m) => m.text.includes("no")) }],
      }),
    );
    expect(pruned.states).toBeLessThan(full.states);
    expect(pruned.outcome).toBe("exhausted");
  });

  it("a depth bound explores everything up to it and says so", () => {
    const r = search(voteConfig(false, { limits: { maxDepth: 2, maxStates: 100 } }));
    expect(r.outcome).toBe("bounded");
    expect(r.depth).toBe(2);
    expect(r.states).toBe(6); // depth 0: 1, depth 1: 2, depth 2: 3
  });

  it("a state budget that runs out is a loud failure, not a pass", () => {
    expect(() => search(voteConfig(false, { limits: { maxDepth: 20, maxStates: 5 } }))).toThrow(SearchBudgetExceeded);
    expect(() => search(voteConfig(false, { limits: { maxDepth: 20, maxStates: 5 } }))).toThrow(
      /budget of 5 distinct states.*no verdict/,
    );
  });
});

describe("random depth-first walks", () => {
  it("find the duplicated vote, the same way for the same seed", () => {
    const cfg = () =>
      voteConfig(false, { faults: { duplicate: true }, strategy: { kind: "random-dfs", seed: 7, walks: 200 } });
    const a = search(cfg());
    const b = search(cfg());
    expect(a.outcome).toBe("violation");
    expect(a.counterexample?.events).toEqual(b.counterexample?.events);
  });
});

type Put = { type: "put"; value: number } | { type: "ok" };

/** Acknowledges a put before it is synced (synced only at the next tick): the classic bug. */
class LazyStore implements Node<Put> {
  env!: Env<Put>;
  value: number | undefined;
  start(env: Env<Put>): void {
    this.env = env;
    this.value = env.disk.read<number>("value");
  }
  onMessage(from: NodeId, msg: Put): void {
    if (msg.type !== "put") return;
    this.value = msg.value;
    this.env.disk.write("value", msg.value);
    this.env.send(from, { type: "ok" });
    this.env.setTimer(10, "sync");
  }
  onTimer(): void {
    this.env.disk.sync();
  }
}

describe("crashes and restarts", () => {
  it("lose unsynced writes: the acknowledged put is gone after 3 events", () => {
    const r = search({
      nodes: ["n1"],
      host: inProcessHost(() => new LazyStore()),
      initial: [{ from: "c1", to: "n1", text: JSON.stringify({ type: "put", value: 5 }) }],
      faults: { crash: { nodes: ["n1"], max: 1 } },
      invariants: [
        {
          name: "an acknowledged put survives a crash",
          check: (v) =>
            v.outputs.length > 0 && v.isUp("n1") && v.node<LazyStore>("n1")?.value !== 5
              ? `c1 got ok but n1 reads ${v.node<LazyStore>("n1")?.value}`
              : undefined,
        },
      ],
      limits: { maxDepth: 10, maxStates: 1000 },
    });
    expect(r.outcome).toBe("violation");
    expect(r.counterexample?.events.map((e) => e.kind)).toEqual(["deliver", "crash", "restart"]);
  });
});

class Ticker implements Node<never> {
  env!: Env<never>;
  ticks = 0;
  start(env: Env<never>): void {
    this.env = env;
    env.setTimer(100, "tick");
  }
  onMessage(): void {}
  onTimer(): void {
    this.ticks = Math.min(this.ticks + 1, 3);
    this.env.setTimer(100, "tick");
  }
}

describe("timers", () => {
  it("a timer set again when it fires reuses its handle, so the state space stays finite", () => {
    const r = search({
      nodes: ["n1"],
      host: inProcessHost(() => new Ticker()),
      invariants: [],
      limits: { maxDepth: 50, maxStates: 100 },
    });
    expect(r.outcome).toBe("exhausted");
    expect(r.states).toBe(4); // ticks 0..3
  });
});

describe("counterexamples as traces", () => {
  it("replay event by event and become a trace with sends linked to deliveries", () => {
    const cfg = voteConfig(false, { faults: { duplicate: true } });
    const c = search(cfg).counterexample as NonNullable<ReturnType<typeof search>["counterexample"]>;
    const replayed = replayEvents(voteConfig(false, { faults: { duplicate: true } }), c.events);
    expect(replayed.worlds).toHaveLength(4);
    const last = replayed.worlds[3]?.slots.get("n1")?.state?.node as Voter;
    expect(last.committed).toBe(true);
    const file = counterexampleTrace(voteConfig(false, { faults: { duplicate: true } }), c);
    expect(file.violation?.invariant).toBe("commit only when every participant voted yes");
    const delivers = file.events.filter((e) => e.kind === "deliver");
    expect(delivers).toHaveLength(3);
    // Both deliveries of the yes are the same message: a duplicate of one send.
    expect(delivers[1]?.msgId).toBe(delivers[2]?.msgId);
    const send = file.events.find((e) => e.kind === "send" && e.msgId === delivers[1]?.msgId);
    expect(send?.node).toBe("n2");
  });

  it("replay refuses an event that is not possible", () => {
    expect(() =>
      replayEvents(voteConfig(false), [{ kind: "deliver", from: "n2", to: "n1", text: '{"type":"yes"}' }]),
    ).toThrow(/event 1 .* is not possible/);
  });
});

type Push = { type: "value"; v: number };

/** n1 tells n2 its value, once at start or again on every tick. */
class Pusher implements Node<Push> {
  env!: Env<Push>;
  got: number | undefined;
  constructor(private readonly retry: boolean) {}
  start(env: Env<Push>): void {
    this.env = env;
    if (env.id === "n1") {
      env.send("n2", { type: "value", v: 7 });
      if (this.retry) env.setTimer(50, "push");
    }
  }
  onMessage(_from: NodeId, msg: Push): void {
    this.got = msg.v;
  }
  onTimer(): void {
    this.env.send("n2", { type: "value", v: 7 });
    this.env.setTimer(50, "push");
  }
}

describe("settle checks (liveness once the network heals)", () => {
  const cfg = (retry: boolean): SearchConfig<InProcessState> => ({
    nodes: ["n1", "n2"],
    host: inProcessHost(() => new Pusher(retry)),
    faults: { drop: true },
    invariants: [],
    settle: {
      name: "n2 learns the value once the network heals",
      rounds: 2,
      check: (v) => (v.node<Pusher>("n2")?.got === 7 ? undefined : "n2 has nothing"),
    },
    limits: { maxDepth: 6, maxStates: 1000 },
  });

  it("catch a message sent once and lost: 1 event", () => {
    const r = search(cfg(false));
    expect(r.outcome).toBe("violation");
    expect(r.counterexample?.events.map((e) => e.kind)).toEqual(["drop"]);
    expect(r.counterexample?.message).toMatch(/^after healing .*2 rounds.*: n2 has nothing$/);
  });

  it("pass when a timer sends it again", () => {
    const r = search(cfg(true));
    expect(r.counterexample).toBeUndefined();
    expect(["exhausted", "bounded"]).toContain(r.outcome);
  });
});

type Reg =
  | { type: "write"; id: string; v: number }
  | { type: "ok"; id: string }
  | { type: "read"; id: string }
  | { type: "value"; id: string; v: number }
  | { type: "copy"; v: number }
  | { type: "copied" };

/**
 * n1 takes writes and copies them to n2, which serves reads. The buggy primary answers the
 * writer before n2 has the copy, so a read sent after the write's answer can miss it.
 */
class Register implements Node<Reg> {
  env!: Env<Reg>;
  v = 0;
  waiting: { client: NodeId; id: string } | undefined;
  constructor(private readonly ackFirst: boolean) {}
  start(env: Env<Reg>): void {
    this.env = env;
  }
  onMessage(from: NodeId, msg: Reg): void {
    switch (msg.type) {
      case "write":
        this.v = msg.v;
        this.env.send("n2", { type: "copy", v: msg.v });
        if (this.ackFirst) this.env.send(from, { type: "ok", id: msg.id });
        else this.waiting = { client: from, id: msg.id };
        break;
      case "copy":
        this.v = msg.v;
        this.env.send(from, { type: "copied" });
        break;
      case "copied":
        if (this.waiting) this.env.send(this.waiting.client, { type: "ok", id: this.waiting.id });
        this.waiting = undefined;
        break;
      case "read":
        this.env.send(from, { type: "value", id: msg.id, v: this.v });
        break;
      default:
        break;
    }
  }
  onTimer(): void {}
}

/** A read sent after a write was answered returns that write's value (or a later one). */
function readsSeeCompletedWrites(v: SearchView): string | undefined {
  const writer = v.clients.find((c) => c.id === "c1");
  const reader = v.clients.find((c) => c.id === "c2");
  const written = writer?.requests.filter((r) => r.answer !== undefined).length ?? 0;
  for (const r of reader?.requests ?? []) {
    if (r.answer === undefined || (r.sentAfter.c1 ?? 0) === 0 || written === 0) continue;
    const got = (JSON.parse(r.answer) as { v: number }).v;
    if (got !== 1) return `read ${r.index + 1} was sent after the write of 1 was answered and returned ${got}`;
  }
  return undefined;
}

function registerConfig(ackFirst: boolean): SearchConfig<InProcessState> {
  return {
    nodes: ["n1", "n2"],
    host: inProcessHost(() => new Register(ackFirst)),
    clientScripts: [
      { id: "c1", ops: [{ to: "n1", text: JSON.stringify({ type: "write", id: "w1", v: 1 }) }] },
      {
        id: "c2",
        ops: [
          { to: "n2", text: JSON.stringify({ type: "read", id: "r1" }) },
          { to: "n2", text: JSON.stringify({ type: "read", id: "r2" }) },
        ],
      },
    ],
    invariants: [{ name: "a read sees every write answered before it was sent", check: readsSeeCompletedWrites }],
    limits: { maxDepth: 20, maxStates: 1_000 },
  };
}

describe("scripted clients", () => {
  it("send a request only once the previous one was answered", () => {
    const cfg = registerConfig(false);
    const r = search({
      ...cfg,
      invariants: [
        {
          name: "r2 leaves after r1's answer",
          check: (v) => {
            const reader = v.clients.find((c) => c.id === "c2");
            const r2 = v.network.some((m) => m.text.includes('"r2"'));
            const r1Answered = v.outputs.some((m) => m.to === "c2" && m.text.includes('"r1"'));
            if (r2 && !r1Answered) return "r2 is in flight before r1 was answered";
            if ((reader?.requests.length ?? 0) === 2 && reader?.requests[0]?.answer === undefined)
              return "the view shows r2 sent before r1's answer";
            return undefined;
          },
        },
      ],
    });
    expect(r.outcome).toBe("exhausted");
    // At the start only the first request of each client is in flight.
    const init = replayEvents(cfg, []);
    expect(init.worlds[0]?.network.map((m) => `${m.from}>${m.to}`)).toEqual(["c1>n1", "c2>n2"]);
    expect(init.clientSends[0]).toHaveLength(2);
    // Delivering r1 brings its answer: r2 leaves in the same step, and says after what.
    const step = replayEvents(cfg, [{ kind: "deliver", from: "c2", to: "n2", text: '{"type":"read","id":"r1"}' }]);
    expect(step.clientSends[1]).toEqual([{ from: "c2", to: "n2", text: '{"type":"read","id":"r2"}' }]);
    const view = step.stepper.view(step.worlds[1] as World<InProcessState>, 1);
    expect(view.clients[1]?.requests.map((q) => q.sentAfter)).toEqual([
      { c1: 0, c2: 0 },
      { c1: 0, c2: 1 },
    ]);
    expect(view.clients[1]?.requests[0]?.answer).toBe('{"type":"value","id":"r1","v":0}');
    expect(view.clients[1]?.finished).toBe(false);
  });

  it("find a read that misses a write answered before it was sent, with the requests in the trace", () => {
    const r = search(registerConfig(true));
    expect(r.outcome).toBe("violation");
    const c = r.counterexample as NonNullable<typeof r.counterexample>;
    expect(c.name).toBe("a read sees every write answered before it was sent");
    expect(c.events.map((e) => (e.kind === "deliver" ? `${e.from}>${e.to}` : e.kind))).toEqual([
      "c1>n1",
      "c2>n2",
      "c2>n2",
    ]);
    expect(c.message).toBe("read 2 was sent after the write of 1 was answered and returned 0");
    const file = counterexampleTrace(registerConfig(true), c, ["c1", "c2"]);
    const r2 = file.events.find((e) => e.kind === "send" && e.node === "c2" && e.payload?.includes('"r2"'));
    expect(r2?.t).toBe(2); // sent by the event that answered r1
    const delivered = file.events.filter((e) => e.kind === "deliver" && e.peer === "c2");
    expect(delivered.every((e) => e.msgId !== undefined)).toBe(true);
  });

  it("pass the primary that answers only after the backup has the copy", () => {
    const r = search(registerConfig(false));
    expect(r.outcome).toBe("exhausted");
    expect(r.counterexample).toBeUndefined();
  });

  it("count in a world's identity: worlds differing only in client progress are distinct", () => {
    const cfg = registerConfig(false);
    const w = replayEvents(cfg, []).worlds[0] as World<InProcessState>;
    const answered = { ...w, clients: [w.clients[0], { ...w.clients[1], answered: 1 }] } as World<InProcessState>;
    const sentLater = {
      ...w,
      clients: [w.clients[0], { ...w.clients[1], sentAfter: [[1, 0]] }],
    } as World<InProcessState>;
    const keys = [w, answered, sentLater].map((x) => worldKey(cfg.host, x));
    expect(new Set(keys).size).toBe(3);
    expect(worldKey(cfg.host, { ...w })).toBe(keys[0]);
  });

  it("refuse a request to something that is not a node", () => {
    expect(() =>
      search({ ...registerConfig(false), clientScripts: [{ id: "c1", ops: [{ to: "n9", text: '{"id":1}' }] }] }),
    ).toThrow(/sends to n9, which is no node/);
  });
});

type Ask = { type: "ask"; id: string } | { type: "yes"; id: string } | { type: "done"; id: string };

/**
 * n1 asks n2 and answers the client once n2 said yes; what to do then is a callback kept in a
 * table of pending requests, as a coordinator often does. A closure is not data: such a state
 * cannot be copied, only rebuilt by replaying the node's inputs.
 */
class Asker implements Node<Ask> {
  env!: Env<Ask>;
  pending = new Map<string, () => void>();
  answered = 0;
  start(env: Env<Ask>): void {
    this.env = env;
  }
  onMessage(from: NodeId, msg: Ask): void {
    if (msg.type === "ask" && this.env.id === "n1") {
      this.pending.set(msg.id, () => {
        this.answered++;
        this.env.send(from, { type: "done", id: msg.id });
      });
      this.env.send("n2", { type: "ask", id: msg.id });
    } else if (msg.type === "ask") this.env.send(from, { type: "yes", id: msg.id });
    else if (msg.type === "yes") {
      this.pending.get(msg.id)?.();
      this.pending.delete(msg.id);
    }
  }
  onTimer(): void {}
}

describe("states by replay", () => {
  const cfg = (replayStates: boolean): SearchConfig<InProcessState> => ({
    nodes: ["n1", "n2"],
    host: inProcessHost(() => new Asker()),
    clientScripts: [
      {
        id: "c1",
        ops: [
          { to: "n1", text: '{"type":"ask","id":"a1"}' },
          { to: "n1", text: '{"type":"ask","id":"a2"}' },
        ],
      },
    ],
    // The network duplicates messages between nodes (the client sends each request once).
    faults: { duplicate: true, on: (m) => m.from !== "c1" },
    invariants: [
      {
        name: "n1 answers each request once",
        check: (v) => ((v.node<Asker>("n1")?.answered ?? 0) > 2 ? "n1 answered more than twice" : undefined),
      },
    ],
    replayStates,
    limits: { maxDepth: 20, maxStates: 1_000 },
  });

  it("a callback in a field cannot be copied: the error names the field", () => {
    expect(() => search(cfg(false))).toThrow(/n1\.pending\.get\("a1"\) holds a function/);
  });

  it("rebuild a state with callbacks from the node's inputs, so both requests complete", () => {
    const r = search({
      ...cfg(true),
      goals: [{ name: "both answered", test: (v) => v.clients[0]?.finished === true }],
    });
    expect(r.outcome).toBe("goal");
    // ask, ask at n2, yes at n1 (answers a1), then the same for a2
    expect(r.counterexample?.events).toHaveLength(6);
    const full = search(cfg(true));
    expect(full.outcome).toBe("exhausted");
    const replayed = replayEvents(cfg(true), r.counterexample?.events ?? []);
    const view = replayed.stepper.view(replayed.worlds.at(-1) as World<InProcessState>, 6);
    expect(view.node<Asker>("n1")?.answered).toBe(2);
    expect(view.outputs.map((m) => m.text)).toEqual(['{"type":"done","id":"a1"}', '{"type":"done","id":"a2"}']);
  });

  it("taking an event leaves the world it was taken from as it was", () => {
    const c = cfg(true);
    const r = replayEvents(c, [
      { kind: "deliver", from: "c1", to: "n1", text: '{"type":"ask","id":"a1"}' },
      { kind: "deliver", from: "n1", to: "n2", text: '{"type":"ask","id":"a1"}' },
    ]);
    const w = r.worlds[2] as World<InProcessState>;
    const yes = { kind: "deliver", from: "n2", to: "n1", text: '{"type":"yes","id":"a1"}' } as const;
    const a = r.stepper.step(w, yes);
    const b = r.stepper.step(w, yes);
    const answered = (x: World<InProcessState>) => r.stepper.view(x, 0).node<Asker>("n1")?.answered;
    expect([answered(w), answered(a.world), answered(b.world)]).toEqual([0, 1, 1]);
    expect(worldKey(r.stepper.host, a.world)).toBe(worldKey(r.stepper.host, b.world));
    expect(worldKey(r.stepper.host, a.world)).not.toBe(worldKey(r.stepper.host, w));
    // n1 sent c1 the answer and c1 sent its next request, in both
    expect(a.sent).toEqual([{ from: "c1", to: "n1", text: '{"type":"ask","id":"a2"}' }]);
  });
});
