/**
 * The search test: every ordering of two adds and the gossip they cause between two nodes, with
 * any gossip message lost or duplicated, explored exhaustively (states are the nodes' replicas
 * and what is in flight; equal states are explored once). Random seeds sample a few of these
 * orderings; the search visits all of them up to the depth bound, and a violation comes back
 * as the shortest event sequence that causes it.
 */
import type { Scenario, SearchTest } from "@faultline/grading";
import type { InFlight, NodeId, SearchView } from "@faultline/sim";
import type { L } from "./props.ts";

const NODES: NodeId[] = ["n1", "n2"];
const ADDS = [
  { to: "n1", delta: 1 },
  { to: "n2", delta: 2 },
];
const TOTAL = ADDS.reduce((a, x) => a + x.delta, 0);

/** Loss and duplication hit gossip between nodes; the clients' adds always arrive. */
const betweenNodes = (m: InFlight) => NODES.includes(m.from) && NODES.includes(m.to);

function values(v: SearchView): Array<[NodeId, number]> {
  return NODES.filter((n) => v.isUp(n)).map((n) => [n, v.node<{ value(): number }>(n)?.value() as number]);
}

export const searchScenarios: Array<Scenario<L>> = [
  {
    part: "B",
    name: "search: every ordering of gossip under loss and duplication",
    points: 5,
    seeds: 1,
    hints: [
      "This test tries every order in which two adds and the gossip they cause can arrive, with any gossip message lost or delivered twice, and prints the shortest sequence of events that breaks your counter. Follow it event by event.",
      "Counted more than was added: a duplicated gossip must not count twice, so merge takes the entry-wise maximum, never a sum. Replicas that never agree: a lost gossip must be repaired, so gossip your whole state on a timer (re-armed in onTimer), not once per add.",
      "Replay the printed sequence with the --replay command shown, and open the .html trace to see it as a space-time diagram.",
    ],
    run(ctx) {
      const test: SearchTest = {
        nodes: NODES,
        clients: ["c1"],
        factory: () => new ctx.impl.GCounterNode(),
        initial: ADDS.map((a, i) => ({
          from: "c1",
          to: a.to,
          text: JSON.stringify({ type: "add", id: i + 1, delta: a.delta }),
        })),
        faults: { drop: true, duplicate: true, on: betweenNodes },
        invariants: [
          {
            name: "no replica counts more than clients added",
            check: (v) => {
              for (const [n, x] of values(v))
                if (x > TOTAL)
                  return `${n} reads ${x}, but clients only added ${TOTAL} in all (was a duplicated gossip counted twice?)`;
              return undefined;
            },
          },
        ],
        settle: {
          name: "replicas converge once the network heals",
          rounds: 3,
          check: (v) => {
            const got = values(v);
            return got.every(([, x]) => x === TOTAL)
              ? undefined
              : `${got.map(([n, x]) => `${n} reads ${x}`).join(", ")}; both must read ${TOTAL}`;
          },
        },
        limits: { maxDepth: 12, maxStates: 5_000 },
      };
      const r = ctx.search(test);
      const scope = r.outcome === "exhausted" ? "every reachable state" : `every state up to depth ${r.depth}`;
      ctx.show(`explored ${scope}: ${r.states.toLocaleString("en-US")} distinct states in ${Math.round(r.wallMs)} ms`);
    },
  },
];
