/**
 * The search test: two senders post one chat message each to a group of two, and every order
 * in which the link messages and acknowledgements can arrive is tried (the network reorders
 * freely; it loses nothing here, so the retransmit timer is left out). In every state, every
 * node's chat must be a prefix of every other's, and once the network heals all must show both
 * messages. A violation comes back as the shortest sequence of deliveries that causes it.
 */
import type { Scenario, SearchTest } from "@faultline/grading";
import type { NodeId, SearchView } from "@faultline/sim";
import type { LabModule } from "./common.ts";

const NODES: NodeId[] = ["n1", "n2"];
const POSTS = [
  { to: "n1", text: "hello" },
  { to: "n2", text: "hi" },
];

function shown(v: SearchView, id: NodeId): string[] {
  const list = v.node<{ delivered?: Array<{ from: NodeId; text: string; ts: number }> }>(id)?.delivered ?? [];
  return list.map((e) => `"${e.text}" (ts ${e.ts}, from ${e.from})`);
}

export const searchScenarios: Array<Scenario<LabModule>> = [
  {
    part: "C",
    name: "search: every delivery order with two senders",
    points: 5,
    seeds: 1,
    hints: [
      "This test tries every order in which the two posts, their link messages and their acknowledgements can reach the two nodes, and prints the shortest sequence that makes two nodes show the chat in different orders, or leaves a node that never shows a post. Follow it event by event.",
      "A node may show the head of its queue only when it has heard from EVERY other node something stamped later than it (ties broken by node id): hearing from one peer is not enough, the other may still send a message with a smaller stamp.",
      "Replay the printed sequence with the --replay command shown, and open the .html trace to see it as a space-time diagram.",
    ],
    run(ctx) {
      const test: SearchTest = {
        nodes: NODES,
        clients: ["c1"],
        factory: () => new ctx.impl.ChatNode(),
        initial: POSTS.map((p) => ({ from: "c1", to: p.to, text: JSON.stringify({ type: "post", text: p.text }) })),
        timerEnabled: (_node, tag) => tag !== '"retransmit"',
        invariants: [
          {
            name: "every node shows the chat in the same order",
            check: (v) => {
              const lists = NODES.map((n) => [n, shown(v, n)] as const);
              for (const [a, la] of lists)
                for (const [b, lb] of lists) {
                  if (a >= b) continue;
                  const k = Math.min(la.length, lb.length);
                  for (let i = 0; i < k; i++)
                    if (la[i] !== lb[i])
                      return `message ${i + 1} shown by ${a} is ${la[i]}, but by ${b} it is ${lb[i]} (${a} shows [${la.join(", ")}], ${b} shows [${lb.join(", ")}])`;
                }
              return undefined;
            },
          },
        ],
        settle: {
          name: "every node shows both messages once the network heals",
          rounds: 4,
          check: (v) => {
            const short = NODES.filter((n) => shown(v, n).length !== POSTS.length);
            return short.length === 0
              ? undefined
              : short.map((n) => `${n} shows [${shown(v, n).join(", ")}]`).join("; ");
          },
        },
        limits: { maxDepth: 30, maxStates: 5_000 },
      };
      const r = ctx.search(test);
      const scope = r.outcome === "exhausted" ? "every reachable state" : `every state up to depth ${r.depth}`;
      ctx.show(`explored ${scope}: ${r.states.toLocaleString("en-US")} distinct states in ${Math.round(r.wallMs)} ms`);
    },
  },
];
