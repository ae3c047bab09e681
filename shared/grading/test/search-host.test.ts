/**
 * Search over learner code in `node:vm` contexts: each handler runs on a copy of its state made
 * inside the node's context, states are fingerprinted there, and a state outside the
 * copyable-state rule is refused with the path of the field.
 */
import { describe, expect, it } from "vitest";
import { search, SearchBudgetExceeded, type SearchConfig } from "@faultline/sim";
import { CompiledBundle } from "../src/isolation/realm.ts";
import { IsolatedImpl } from "../src/isolation/runtime.ts";
import { contextSearchHost, type ContextState } from "../src/isolation/search-host.ts";

/** A vote coordinator that counts votes, not voters (a duplicate makes it commit), and a node with a closure. */
const LEARNER = `
var __lab = (() => {
  class Votes { constructor() { this.byNode = new Map(); } add(n) { this.byNode.set(n, (this.byNode.get(n) || 0) + 1); } total() { let s = 0; for (const v of this.byNode.values()) s += v; return s; } }
  class Voter {
    constructor() { this.votes = new Votes(); this.committed = false; this.seen = new Set(); }
    start(env) { this.env = env; if (env.id === "n1") for (const p of env.peers) env.send(p, { type: "prepare" }); }
    onMessage(from, m) {
      this.seen.add(m.type);
      if (m.type === "prepare") this.env.send(from, { type: "yes" });
      if (m.type === "yes") { this.votes.add(from); if (this.votes.total() === 3) this.committed = true; }
    }
    onTimer() {}
  }
  class Callbacks {
    constructor() { this.pending = new Map(); }
    start(env) { this.env = env; this.pending.set("r1", { done: () => 1 }); env.send("n2", { type: "ping" }); }
    onMessage() {}
    onTimer() {}
  }
  // A coordinator that keeps what to do on the answer as a callback; env.random() feeds a
  // request counter so a replay that drew other numbers would build another state.
  class Asker {
    constructor() { this.pending = new Map(); this.answered = 0; this.nonce = 0; }
    start(env) { this.env = env; this.nonce = Math.floor(env.random() * 1000); }
    onMessage(from, m) {
      if (m.type === "ask" && this.env.id === "n1") {
        const rid = m.id + ":" + Math.floor(this.env.random() * 1000);
        this.pending.set(rid, () => { this.answered++; this.env.send(from, { type: "done", id: m.id }); });
        this.env.send("n2", { type: "ask", id: rid });
      } else if (m.type === "ask") this.env.send(from, { type: "yes", id: m.id });
      else if (m.type === "yes") { const f = this.pending.get(m.id); this.pending.delete(m.id); if (f) f(); }
    }
    onTimer() {}
  }
  return { Voter, Callbacks, Asker };
})();
`;
const bundle = new CompiledBundle(LEARNER, "faultline:search-test");

function config(iso: IsolatedImpl, cls: "Voter" | "Callbacks", duplicate: boolean): SearchConfig<ContextState> {
  const nodes = ["n1", "n2", "n3", "n4"];
  return {
    nodes,
    host: contextSearchHost(iso, nodes, () => new (iso.impl[cls] as new () => object)()),
    faults: { duplicate },
    invariants: [
      {
        name: "commit only with every voter",
        check: (v) => {
          const n1 = v.node<{ committed: boolean; votes: { total(): number } }>("n1");
          return n1?.committed ? `n1 committed with ${n1.votes.total()} votes` : undefined;
        },
      },
    ],
    limits: { maxDepth: 12, maxStates: 5_000 },
  };
}

describe("search over learner code in contexts", () => {
  it("explores class instances holding Maps and Sets, copied in their own context", () => {
    const iso = new IsolatedImpl(bundle);
    try {
      // Three voters' chains, each in one of three places: 27 worlds; all three votes commit.
      const r = search({ ...config(iso, "Voter", false), invariants: [] });
      expect(r.outcome).toBe("exhausted");
      expect(r.states).toBe(27);
    } finally {
      iso.dispose();
    }
  });

  it("finds the duplicated vote at its shortest depth and reads hooks through proxies", () => {
    const iso = new IsolatedImpl(bundle);
    try {
      const r = search(config(iso, "Voter", true));
      expect(r.outcome).toBe("violation");
      // prepare to n2, its yes kept in flight, then delivered twice... the shortest: 4 events
      // (one prepare and three yes deliveries from one voter give total 3).
      expect(r.counterexample?.events).toHaveLength(4);
      expect(r.counterexample?.message).toBe("n1 committed with 3 votes");
    } finally {
      iso.dispose();
    }
  });

  it("names the field of a state that cannot be copied", () => {
    const iso = new IsolatedImpl(bundle);
    try {
      expect(() => search({ ...config(iso, "Callbacks", false), invariants: [] })).toThrow(
        /n1\.pending\.get\("r1"\)\.done holds a function \(done\)/,
      );
    } finally {
      iso.dispose();
    }
  });

  it("rebuilds states with callbacks by replaying each node's inputs in its context", () => {
    const iso = new IsolatedImpl(bundle);
    try {
      const nodes = ["n1", "n2"];
      const r = search({
        nodes,
        host: contextSearchHost(iso, nodes, () => new (iso.impl.Asker as new () => object)()),
        replayStates: true,
        clientScripts: [
          {
            id: "c1",
            ops: [
              { to: "n1", text: '{"type":"ask","id":"a1"}' },
              { to: "n1", text: '{"type":"ask","id":"a2"}' },
            ],
          },
        ],
        faults: { duplicate: true, on: (m) => m.from !== "c1" },
        invariants: [
          {
            name: "each request is answered once",
            check: (v) => {
              const n = v.node<{ answered: number }>("n1")?.answered ?? 0;
              return n > 2 ? `n1 answered ${n} times` : undefined;
            },
          },
        ],
        goals: [{ name: "both answered", test: (v) => v.clients[0]?.finished === true }],
        limits: { maxDepth: 12, maxStates: 1_000 },
      });
      expect(r.outcome).toBe("goal");
      expect(r.counterexample?.events).toHaveLength(6);
    } finally {
      iso.dispose();
    }
  });

  it("a budget that runs out is an error, not a pass", () => {
    const iso = new IsolatedImpl(bundle);
    try {
      expect(() =>
        search({ ...config(iso, "Voter", true), invariants: [], limits: { maxDepth: 30, maxStates: 10 } }),
      ).toThrow(SearchBudgetExceeded);
    } finally {
      iso.dispose();
    }
  });
});
