/**
 * The search tests: ABD linearizability, every interleaving of a few requests. Two nodes
 * replicate one key in abd mode, with W + R > N both ways (W=2, R=1 and W=1, R=2); clients send
 * their requests one at a time, each once the previous one was answered. Every order in which
 * the requests, the quorum phases' messages and their replies can arrive is explored (there is
 * no clock: retry timers never fire, and nothing is lost, so every phase completes from the
 * messages it sent), and in every state the answers the clients got so far must form a
 * linearizable history. The run tests' checker decides; each request's real-time order comes
 * from when it was sent and which answers had arrived by then.
 *
 * Random seeds sample a few interleavings; these tests visit all of them (up to a depth bound
 * where the whole space is too large). The classic ABD bugs need one particular order: a get
 * that answers before its write-back returns a value a later get does not see (new, then
 * old), and a put that skips its timestamp query is stamped below the put before it and lost.
 *
 * The network neither loses nor duplicates here: with duplicates between nodes, the second
 * configuration grows from 708 states (all of them) to over 20,000 within 11 events, and a
 * lost message only stops a phase, which these safety checks do not need.
 *
 * A coordinator keeps callbacks (what to do once a phase has its quorum) in its state, and a
 * closure cannot be copied: these searches rebuild node states by replaying each node's
 * inputs (replayStates), which costs a handler call per input and caps the configuration.
 */
import type { Scenario, SearchTest } from "@faultline/grading";
import {
  checkLinearizability,
  explainResult,
  kvModel,
  OPEN,
  UNKNOWN,
  type KvInput,
  type Operation,
} from "@faultline/check";
import type { ClientRequestView, ClientScript, NodeId, SearchLimits, SearchView } from "@faultline/sim";
import type { ClientReply, Config } from "@faultline/lab-quorum-kv";
import type { Impl } from "./harness.ts";

const NODES: NodeId[] = ["n1", "n2"];
const KEY = "x";

const put = (id: string, to: NodeId, value: string) => ({
  to,
  text: JSON.stringify({ type: "put", id, key: KEY, value }),
});
const get = (id: string, to: NodeId) => ({ to, text: JSON.stringify({ type: "get", id, key: KEY }) });

/** One search test's configuration: quorum sizes, the clients' scripts and the budget. */
export interface Round {
  /** The scenario's name. */
  test: string;
  /** The configuration in words, for reports. */
  setup: string;
  config: Partial<Config>;
  clients: ClientScript[];
  limits: SearchLimits;
  points: number;
  /** What a violation usually means. */
  hint: string;
}

export const ROUNDS: Round[] = [
  {
    // A put may be stored on one replica while a get reads the other: only the get's
    // write-back keeps the next get from going back to the older value.
    test: "search: ABD gets never go back to an older value, in every order",
    setup: 'N=2, W=2, R=1: a writer puts "v1" via n2 while a reader gets twice via n1',
    config: { mode: "abd", n: 2, w: 2, r: 1 },
    clients: [
      { id: "writer", ops: [put("w1", "n2", "v1")] },
      { id: "reader", ops: [get("r1", "n1"), get("r2", "n1")] },
    ],
    // Every state up to 11 events (the whole space is over 20,000 states); the new-then-old
    // read takes 10.
    limits: { maxDepth: 11, maxStates: 10_000 },
    points: 3,
    hint: "New, then old: a get returned a value a later get did not. In abd mode a get stores the version it is about to return on W replicas (the write-back) before it answers; read repair after the answer is too late.",
  },
  {
    // A put is acknowledged by one replica: the next put, through the other node (n1 sorts
    // first, so it wins a tie on t), must learn the stamp from its timestamp query.
    test: "search: an ABD put through another node is never lost, in every order",
    setup: 'N=2, W=1, R=2: a client puts "v1" via n2, then "v2" via n1, then gets via n1',
    config: { mode: "abd", n: 2, w: 1, r: 2 },
    clients: [{ id: "writer", ops: [put("w1", "n2", "v1"), put("w2", "n1", "v2"), get("r1", "n1")] }],
    limits: { maxDepth: 40, maxStates: 5_000 },
    points: 2,
    hint: "A put was lost although it was acknowledged, or a get missed it: an abd put first reads the highest stamp of R replicas and writes above it, so a coordinator that missed the last write still stamps above it; and a get waits for R replies.",
  },
];

type Req = { type: "put"; id: string; key: string; value: string } | { type: "get"; id: string; key: string };

/** One request in words, with its answer: `writer put("v1") via n2 -> putOk`. */
function describe(r: ClientRequestView): string {
  const req = JSON.parse(r.text) as Req;
  const what = req.type === "put" ? `put(${JSON.stringify(req.value)})` : "get()";
  const ans = r.answer === undefined ? undefined : (JSON.parse(r.answer) as ClientReply);
  const got =
    ans === undefined
      ? "no answer yet"
      : ans.type === "getOk"
        ? `returned ${ans.values.length === 0 ? "nothing" : ans.values.map((v) => JSON.stringify(v)).join(", ")}`
        : ans.type;
  return `${r.client} ${what} via ${r.to} -> ${got}`;
}

/**
 * The clients' requests as a history for the linearizability checker. There is no clock, so
 * times are positions in an order of sends and answers that respects what the world recorded:
 * a request sent after another's answer arrived starts after it ended, and one sent before
 * starts before it ends.
 */
export function historyOf(v: SearchView): { ops: Operation<KvInput, string | null>[]; requests: ClientRequestView[] } {
  const requests = v.clients.flatMap((c) => [...c.requests]);
  type Point = { r: ClientRequestView; end: boolean };
  const points: Point[] = requests.flatMap((r) => [
    { r, end: false },
    ...(r.answer !== undefined ? [{ r, end: true }] : []),
  ]);
  const same = (a: ClientRequestView, client: NodeId, index: number) => a.client === client && a.index === index;
  // Does point a have to come before point b?
  const before = (a: Point, b: Point): boolean => {
    if (a.r === b.r) return !a.end && b.end;
    if (a.r.client === b.r.client) return a.r.index < b.r.index;
    if (a.end && !b.end) return a.r.index < (b.r.sentAfter[a.r.client] ?? 0);
    if (!a.end && b.end) return b.r.index >= (a.r.sentAfter[b.r.client] ?? 0);
    return false;
  };
  const time = new Map<Point, number>();
  const left = [...points];
  while (left.length > 0) {
    const i = left.findIndex((p) => !left.some((q) => q !== p && before(q, p)));
    if (i < 0) throw new Error("search: the clients' send and answer order has a cycle");
    time.set(left[i] as Point, time.size);
    left.splice(i, 1);
  }
  const ops: Operation<KvInput, string | null>[] = [];
  for (const p of points) {
    if (p.end) continue;
    const r = p.r;
    const req = JSON.parse(r.text) as Req;
    const endPoint = points.find((q) => q.end && same(q.r, r.client, r.index));
    const ret = endPoint ? (time.get(endPoint) as number) : OPEN;
    const ans = r.answer === undefined ? undefined : (JSON.parse(r.answer) as ClientReply);
    const client = v.clients.findIndex((c) => c.id === r.client);
    const call = time.get(p) as number;
    if (req.type === "get") {
      if (ans?.type !== "getOk") continue; // a get without a value changed nothing
      ops.push({ client, input: { op: "get", key: req.key }, output: ans.values[0] ?? "", call, return: ret });
    } else {
      const ok = ans?.type === "putOk";
      ops.push({
        client,
        input: { op: "put", key: req.key, value: req.value },
        output: ok ? null : UNKNOWN,
        call,
        return: ok ? ret : OPEN,
      });
    }
  }
  return { ops, requests };
}

/** The checker's verdict on the clients' history so far, cached by the history's shape. */
function linearizable(): (v: SearchView) => string | undefined {
  const seen = new Map<string, string | undefined>();
  return (v) => {
    const { ops, requests } = historyOf(v);
    const key = JSON.stringify(
      ops.map((o) => [o.client, o.input, o.output === UNKNOWN ? "?" : o.output, o.call, o.return]),
    );
    if (seen.has(key)) return seen.get(key);
    const result = checkLinearizability(kvModel, ops);
    const why =
      result.verdict === "linearizable"
        ? undefined
        : `${requests.map(describe).join("; ")}: no single copy of ${KEY} answers like that (${explainResult(kvModel, ops, result)})`;
    seen.set(key, why);
    return why;
  };
}

/** The search test's configuration for a round, with the nodes `factory` builds. */
export function abdSearch(
  round: Round,
  factory: (config: Partial<Config>) => SearchTest["factory"],
  limits: SearchLimits = round.limits,
): SearchTest {
  return {
    nodes: NODES,
    factory: factory(round.config),
    clientScripts: round.clients,
    replayStates: true,
    // No clock: a retry would only send again what is still in flight.
    timerEnabled: () => false,
    invariants: [{ name: "the clients' answers are linearizable", check: linearizable() }],
    limits,
  };
}

export const searchScenarios: Array<Scenario<Impl>> = ROUNDS.map((round) => ({
  part: "B",
  name: round.test,
  points: round.points,
  seeds: 1,
  timeoutMs: 60_000,
  hints: [
    `This test tries every order in which the messages of a few requests can arrive (${round.setup}) and prints the shortest sequence of events after which the answers are not linearizable. Follow it event by event.`,
    round.hint,
    "Replay the printed sequence with the --replay command shown, and open the .html trace to see it as a space-time diagram.",
  ],
  run(ctx) {
    const r = ctx.search(abdSearch(round, (config) => () => new ctx.impl.KvNode(config)));
    const scope =
      r.outcome === "exhausted" ? "every reachable state" : `every state up to ${round.limits.maxDepth} events`;
    ctx.show(
      `${round.setup}: explored ${scope}, ${r.states.toLocaleString("en-US")} distinct states in ${Math.round(r.wallMs)} ms`,
    );
  },
}));
