/**
 * The search test of Part A: every order of three nodes' election timeouts and of the votes and
 * heartbeats they cause in term 1, explored exhaustively (equal states once; a timer's delay does
 * not count, so any timeout may fire at any point). Random seeds sample a few elections; the
 * search visits every one, and a violation comes back as the shortest event sequence that
 * causes it.
 */
import type { Scenario, SearchTest } from "@faultline/grading";
import type { NodeId, SearchView } from "@faultline/sim";
import type { RaftLab } from "./cluster.ts";

const NODES: NodeId[] = ["n1", "n2", "n3"];
/** The last term the search follows: worlds past it are checked, not expanded (term 2 is past a useful budget). */
const MAX_TERM = 1;
/** Messages in flight the search follows (one round of votes and answers). */
const MAX_IN_FLIGHT = 6;

interface RaftView {
  currentTerm: number;
  role: string;
}

function raftNodes(v: SearchView): Array<[NodeId, RaftView]> {
  const out: Array<[NodeId, RaftView]> = [];
  for (const id of NODES) {
    const n = v.isUp(id) ? v.node<RaftView>(id) : undefined;
    if (n) out.push([id, n]);
  }
  return out;
}

export const searchScenarios: Array<Scenario<RaftLab>> = [
  {
    part: "A",
    name: "search: two candidates never both win term 1",
    points: 3,
    seeds: 1,
    hints: [
      "This test tries every order in which three nodes' election timeouts can fire and their RequestVote and AppendEntries messages can arrive, in term 1, and prints the shortest sequence of events in which two nodes lead the same term.",
      "A node grants at most one vote per term (votedFor, reset only when the term changes), and a candidate counts only votes of its own term.",
    ],
    run(ctx) {
      const test: SearchTest = {
        nodes: NODES,
        factory: () => new ctx.impl.RaftNode(),
        // Elections only (tags are JSON text): a leader's heartbeat timer would add messages for ever.
        timerEnabled: (_node, tag) => tag === JSON.stringify("election"),
        invariants: [
          {
            name: "at most one leader per term",
            check: (v) => {
              const leaders = new Map<number, NodeId>();
              for (const [id, n] of raftNodes(v)) {
                if (n.role !== "leader") continue;
                const other = leaders.get(n.currentTerm);
                if (other) return `${other} and ${id} both lead term ${n.currentTerm}`;
                leaders.set(n.currentTerm, id);
              }
              return undefined;
            },
          },
        ],
        prunes: [
          { name: `a node past term ${MAX_TERM}`, test: (v) => raftNodes(v).some(([, n]) => n.currentTerm > MAX_TERM) },
          { name: `more than ${MAX_IN_FLIGHT} messages in flight`, test: (v) => v.network.length > MAX_IN_FLIGHT },
        ],
        limits: { maxDepth: 40, maxStates: 20_000 },
      };
      const r = ctx.search(test);
      const scope = r.outcome === "exhausted" ? "every reachable state" : `every state up to depth ${r.depth}`;
      ctx.show(`explored ${scope}: ${r.states.toLocaleString("en-US")} distinct states in ${Math.round(r.wallMs)} ms`);
    },
  },
];
