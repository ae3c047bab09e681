/**
 * The search tests (ADR 0006). Part A: every order of three nodes' election timeouts and of the
 * votes and heartbeats they cause in term 1. Part B: one client command across two terms, where
 * logs can diverge and must be repaired. Each is explored exhaustively within its bounds (equal
 * states once; a timer's delay does not count, so any timeout may fire at any point). Random
 * seeds sample a few schedules; the search visits every one, and a violation comes back as the
 * shortest event sequence that causes it.
 */
import type { Scenario, SearchTest } from "@faultline/grading";
import type { InFlight, NodeId, SearchView } from "@faultline/sim";
import type * as Raft from "@faultline/lab-raft";
import { describeEntry, entryKey, type RaftLab } from "./cluster.ts";

const NODES: NodeId[] = ["n1", "n2", "n3"];
/** The last term the search follows: worlds past it are checked, not expanded (term 2 is past a useful budget). */
const MAX_TERM = 1;
/** Messages in flight the search follows (one round of votes and answers). */
const MAX_IN_FLIGHT = 6;

interface RaftView {
  currentTerm: number;
  role: string;
  commitIndex: number;
  log: readonly Raft.LogEntry[];
}

/** What the checks read of a node, copied once per world (reads of learner state cross a context). */
interface NodeFacts {
  currentTerm: number;
  role: string;
  commitIndex: number;
  log: Raft.LogEntry[];
  /** entryKey of each entry, log[i] at keys[i]. */
  keys: string[];
}

const factsOf = new WeakMap<SearchView, Array<[NodeId, NodeFacts]>>();

function raftNodes(v: SearchView): Array<[NodeId, NodeFacts]> {
  const known = factsOf.get(v);
  if (known) return known;
  const out: Array<[NodeId, NodeFacts]> = [];
  for (const id of NODES) {
    const n = v.isUp(id) ? v.node<RaftView>(id) : undefined;
    if (!n) continue;
    const log = Array.from(n.log ?? []);
    out.push([
      id,
      { currentTerm: n.currentTerm, role: n.role, commitIndex: n.commitIndex, log, keys: log.map(entryKey) },
    ]);
  }
  factsOf.set(v, out);
  return out;
}

export const electionSafety: SearchTest["invariants"] = [
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
];

/** The one command of the Part B search: the client sends it to every node, and only a leader takes it. */
const CLIENT: NodeId = "c1";
const COMMAND: Raft.ClientRequest = { type: "ClientRequest", clientId: CLIENT, seq: 1, op: { op: "incr" } };

/**
 * How far the Part B search goes: two terms, every schedule of up to 10 events (the shortest
 * that reach a second leader holding a command of its own term and its first commit). Deeper
 * is past a budget that finishes in seconds: depth 11 more than doubles the states.
 */
export interface LogSearchBounds {
  maxTerm: number;
  maxDepth: number;
  maxStates: number;
}
export const LOG_SEARCH_BOUNDS: LogSearchBounds = { maxTerm: 2, maxDepth: 10, maxStates: 20_000 };

const entry = (n: NodeFacts, i: number): Raft.LogEntry | undefined => n.log[i - 1];
const keyAt = (n: NodeFacts, i: number): string => n.keys[i - 1] ?? "";

/**
 * The safety properties of Figure 3 that concern logs, checked in every state of the search.
 * Without crashes or snapshots an entry is committed once any node's commitIndex covers it.
 */
export const logInvariants: SearchTest["invariants"] = [
  {
    name: "log matching",
    check: (v) => {
      const ns = raftNodes(v);
      for (const [ia, a] of ns)
        for (const [ib, b] of ns) {
          if (ia >= ib) continue;
          for (let i = Math.min(a.log.length, b.log.length); i > 0; i--) {
            if (entry(a, i)?.term !== entry(b, i)?.term) continue;
            for (let j = i; j > 0; j--)
              if (keyAt(a, j) !== keyAt(b, j))
                return `${ia} and ${ib} both have an entry of term ${entry(a, i)?.term} at index ${i}, but differ at index ${j} (${describeEntry(entry(a, j))} vs ${describeEntry(entry(b, j))})`;
            break;
          }
        }
      return undefined;
    },
  },
  {
    name: "committed entries are stored on a majority",
    check: (v) => {
      const ns = raftNodes(v);
      for (const [id, n] of ns) {
        if (n.commitIndex > n.log.length)
          return `${id} has commit index ${n.commitIndex} but only ${n.log.length} log entries`;
        for (let i = 1; i <= n.commitIndex; i++) {
          const key = keyAt(n, i);
          const holders = ns.filter(([, m]) => keyAt(m, i) === key).map(([x]) => x);
          if (holders.length * 2 <= NODES.length)
            return `${id} counts entry ${i} ${describeEntry(entry(n, i))} as committed, but only ${holders.join(" and ")} of ${NODES.length} nodes store it: a follower acknowledges an index only once its log matches the leader's up to it (it deletes an entry that conflicts with the leader's, and never one that matches), and a leader counts only such acknowledgements`;
        }
      }
      return undefined;
    },
  },
  {
    name: "leader completeness",
    check: (v) => {
      const ns = raftNodes(v);
      for (const [lid, l] of ns) {
        if (l.role !== "leader") continue;
        for (const [id, n] of ns) {
          // n learned its commitIndex in its current term or before: a leader of that term or a later one holds those entries.
          if (n.currentTerm > l.currentTerm) continue;
          for (let i = 1; i <= n.commitIndex; i++)
            if (keyAt(l, i) !== keyAt(n, i))
              return `${lid} leads term ${l.currentTerm} without entry ${i} ${describeEntry(entry(n, i))}, which ${id} counts as committed (${lid} has ${describeEntry(entry(l, i))}): a vote goes only to a candidate whose log is at least as up-to-date as the voter's (section 5.4.1)`;
        }
      }
      return undefined;
    },
  },
];

/** What the Part B search reached, for the report: states in which some node has committed the command. */
export interface LogSearchCoverage {
  committed: number;
}

/** Who may stand in each term: n1 for whichever node campaigns first, n2 for the one the client tries next. */
const CAMPAIGNER = new Map<number, NodeId>([
  [1, "n1"],
  [2, "n2"],
]);

/** A node's answer to the client that says "not the leader". */
const isRedirect = (m: InFlight): boolean => {
  try {
    return (JSON.parse(m.text) as { status?: unknown }).status === "redirect";
  } catch {
    return false;
  }
};

/**
 * Part B's search: three nodes, one command, two terms. The client sends its command to n1 and
 * to n2 (it retries at another node); n1 stands for whichever node campaigns first (the nodes
 * are alike), and n2, the one the client retries at, stands for term 2; n3 only votes and
 * follows. Leaders' heartbeat timers do not fire: a leader still sends AppendEntries when it
 * is elected, when it takes a command and when a reply asks for more.
 */
export function logSearch(
  factory: SearchTest["factory"],
  b: LogSearchBounds = LOG_SEARCH_BOUNDS,
  seen: LogSearchCoverage = { committed: 0 },
): SearchTest {
  return {
    nodes: NODES,
    clients: [CLIENT],
    factory,
    initial: ["n1", "n2"].map((to) => ({ from: CLIENT, to, text: JSON.stringify(COMMAND) })),
    // Only the two campaigners' election timers (n3 never stands; leaders' heartbeats stay off).
    timerEnabled: (node, tag) => tag === JSON.stringify("election") && node !== "n3",
    invariants: [
      ...electionSafety,
      ...logInvariants,
      {
        // Not a rule: counts the states where the command is committed (what the search covered).
        name: "states with a commit (counted)",
        check: (v) => {
          if (raftNodes(v).some(([, n]) => n.commitIndex > 0)) seen.committed++;
          return undefined;
        },
      },
    ],
    prunes: [
      { name: `a node past term ${b.maxTerm}`, test: (v) => raftNodes(v).some(([, n]) => n.currentTerm > b.maxTerm) },
      {
        name: "a node other than n1 campaigns in term 1, or other than n2 in term 2",
        test: (v) => raftNodes(v).some(([id, n]) => n.role !== "follower" && CAMPAIGNER.get(n.currentTerm) !== id),
      },
      {
        // Term 2 follows a term-1 leader that took the command. Nothing n1 needs to take it
        // depends on n2's timeout (votes of term 1 come before it, and n1 hearing of term 2
        // ends its chance), so a schedule with the timeout earlier is explored in the order
        // with the timeout and what follows from it moved after n1 takes the command.
        name: "term 2 begins before n1 took the command",
        test: (v) => {
          const ns = raftNodes(v);
          return ns.some(([, n]) => n.currentTerm >= 2) && !ns.some(([id, n]) => id === "n1" && n.log.length > 0);
        },
      },
      {
        // A command a follower turns away is a schedule in which it never arrived.
        name: "a node redirected the client",
        test: (v) => v.outputs.some(isRedirect),
      },
    ],
    limits: { maxDepth: b.maxDepth, maxStates: b.maxStates },
  };
}

/** Part A's search test. */
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
        invariants: electionSafety,
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

/** Part B's search test (listed after the run tests of Part B). */
export const searchScenariosB: Array<Scenario<RaftLab>> = [
  {
    part: "B",
    name: "search: logs agree across two terms with one command",
    points: 3,
    seeds: 1,
    hints: [
      "This test tries every order in which three nodes can elect a leader in term 1, take one client command, elect a leader in term 2 and deliver their RequestVote and AppendEntries messages, and prints the shortest sequence of events that breaks log matching, leader completeness or a commit.",
      "A vote goes only to a candidate whose log is at least as up-to-date as the voter's (section 5.4.1); a follower deletes an entry that conflicts with the leader's (same index, other term) and everything after it (Figure 2, AppendEntries rule 3), and a leader counts a follower for an index only once it acknowledged a matching log up to it.",
    ],
    run(ctx) {
      const b = LOG_SEARCH_BOUNDS;
      const seen: LogSearchCoverage = { committed: 0 };
      const r = ctx.search(logSearch(() => new ctx.impl.RaftNode(), b, seen));
      const scope =
        r.outcome === "exhausted" ? "every reachable state" : `every schedule of up to ${b.maxDepth} events`;
      ctx.show(
        `explored ${scope} in which n1 leads term 1 and takes the command before n2 stands for term 2 (n3 votes only, no heartbeat timer): ${r.states.toLocaleString("en-US")} distinct states in ${Math.round(r.wallMs)} ms; the command is committed in ${seen.committed.toLocaleString("en-US")} of them`,
      );
      // Heartbeat timers do not fire here: a leader that replicates only on its heartbeat never commits.
      if (seen.committed === 0)
        ctx.show(
          "no state had the command committed, so commits and their repair went unchecked: this search fires no heartbeat timer, so a leader must send AppendEntries when it takes a command (not only on its next heartbeat) for the search to see replication",
        );
    },
  },
];
