/**
 * The leader-kill chaos drill on real processes: three nodes, concurrent clients sending 1000
 * increments (each retried with its request id until acknowledged), SIGKILL of the leader in
 * the middle, restart on the same disk, then every node must show exactly 1000 and the same
 * committed log. Optionally under added latency and loss on every link.
 */
import type { NodeId } from "@faultline/sim";
import type { Cluster, RealFaults } from "@faultline/net";

export interface ChaosOptions {
  increments: number;
  clients: number;
  /** Kill the leader once this many increments were acknowledged. */
  killAfter: number;
  /** Restart the killed node after this long. */
  restartAfterMs: number;
  /** Faults on every node's links for the whole drill (e.g. 200 ms delay, 5% drop). */
  faults?: Partial<RealFaults>;
  /** Give up on the whole drill after this long. */
  deadlineMs: number;
  /** Attempts per increment before the drill fails. */
  maxAttempts: number;
  /**
   * After the drill, SIGKILL every node at once and restart them all: acknowledged increments
   * must survive a whole-cluster power loss (they were fsynced on a majority).
   */
  restartAllAtEnd?: boolean;
  /**
   * Every this-many requests of a client, act as if the reply had been lost: send the same
   * (client id, seq) again after it was acknowledged. The retry must not count twice and must
   * answer the same count as the first reply (section 8: the state machine remembers the
   * latest reply per client). Without this a drill may happen to need no retry of a committed
   * request and let a missing deduplication through.
   */
  resendEvery?: number;
}

export interface ChaosResult {
  acknowledged: number;
  attempts: number;
  /** Acknowledged requests sent once more with the same id, as after a lost reply. */
  resent: number;
  killed: NodeId | undefined;
  /** From the kill to the first acknowledged increment served by another leader. */
  newLeaderMs: number | undefined;
  wallMs: number;
  /** Acknowledged increments per second over the drill. */
  throughput: number;
  final: Array<{ id: NodeId; counter: unknown; committedLogHash: unknown; lastApplied: unknown }>;
  /** Problems found; empty means the drill passed. */
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The nodes that died on their own so far, one line each (empty when none did). */
function crashReport(cluster: Cluster): string[] {
  return cluster
    .crashes()
    .map((c) => `${c.id} crashed (${c.signal ?? `exit code ${String(c.code)}`}): ${c.why || "see its log"}`);
}

export async function leaderOf(cluster: Cluster): Promise<NodeId | undefined> {
  for (const id of cluster.ids) {
    if (!cluster.isRunning(id)) continue;
    const s = await cluster.status(id);
    if (s?.role === "leader") return id;
  }
  return undefined;
}

export async function runLeaderKillChaos(cluster: Cluster, o: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const problems: string[] = [];
  if (o.faults) for (const id of cluster.ids) await cluster.setFaults(id, o.faults);
  while (!(await leaderOf(cluster))) {
    if (cluster.crashes().length > 0) {
      await sleep(150); // the crash's log line is read a moment after the exit
      throw new Error(`a node crashed before a leader was elected: ${crashReport(cluster).join("; ")}`);
    }
    if (Date.now() > deadline) throw new Error("no leader elected before the drill");
    await sleep(50);
  }

  let next = 0;
  let acknowledged = 0;
  let attempts = 0;
  let killed: NodeId | undefined;
  let killedAt = 0;
  let newLeaderMs: number | undefined;
  let killing: Promise<void> | undefined;

  let resent = 0;
  let mismatches = 0;
  let firstMismatch: string | undefined;

  const maybeKillLeader = () => {
    if (killed || acknowledged < o.killAfter || killing) return;
    killing = (async () => {
      const leader = await leaderOf(cluster);
      if (!leader) return;
      killed = leader;
      killedAt = Date.now();
      await cluster.kill(leader, "SIGKILL");
      await sleep(o.restartAfterMs);
      await cluster.startNode(leader);
    })();
  };

  const client = async (c: number) => {
    const clientId = `chaos-c${c}`;
    let target = c % cluster.ids.length;
    /** Sends one increment until some node answers 200; resolves to the count it answered. */
    const send = async (seq: number): Promise<unknown> => {
      for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
        if (Date.now() > deadline)
          throw new Error(`drill over its ${o.deadlineMs} ms deadline with ${acknowledged} acknowledged`);
        const id = cluster.ids[target % cluster.ids.length] as NodeId;
        if (!cluster.isRunning(id)) {
          target++;
          continue;
        }
        attempts++;
        try {
          const r = await fetch(`${cluster.url(id)}/incr`, {
            method: "POST",
            headers: { "x-client-id": clientId, "x-request-seq": String(seq) },
            signal: AbortSignal.timeout(5000),
          });
          if (r.status === 200) {
            const servedBy = r.headers.get("x-served-by");
            if (killed && newLeaderMs === undefined && servedBy && servedBy !== killed)
              newLeaderMs = Date.now() - killedAt;
            return ((await r.json()) as { count?: unknown }).count;
          }
          await r.text();
        } catch {
          /* refused, reset or timed out: try the next node */
        }
        target++;
        await sleep(20 + ((attempt * 37 + c * 11) % 80));
      }
      throw new Error(`${clientId} seq ${seq} not acknowledged after ${o.maxAttempts} attempts`);
    };
    for (let seq = 1; next < o.increments; seq++) {
      next++;
      const count = await send(seq);
      acknowledged++;
      maybeKillLeader();
      if (o.resendEvery && seq % o.resendEvery === 0) {
        resent++;
        const again = await send(seq);
        if (again !== count) {
          mismatches++;
          firstMismatch ??= `${clientId} seq ${seq} sent again after its reply answered count ${String(again)}, the first reply said ${String(count)}`;
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  } catch (e) {
    // A client gave up; a node that died on its own is usually why.
    const crashes = crashReport(cluster);
    if (crashes.length > 0 && e instanceof Error) e.message += ` (${crashes.join("; ")})`;
    throw e;
  }
  await killing;
  if (firstMismatch)
    problems.push(
      `${mismatches} of ${resent} repeated requests got a different answer than the first time, e.g. ${firstMismatch}`,
    );
  if (o.faults)
    for (const id of cluster.ids) await cluster.setFaults(id, { drop: 0, delayMs: 0, jitterMs: 0, blocked: [] });

  if (o.restartAllAtEnd) {
    await Promise.all(cluster.ids.map((id) => cluster.kill(id, "SIGKILL")));
    await cluster.start();
    // A new leader commits entries of earlier terms only with one of its own (section 5.4.2):
    // a read goes through the log and brings every node's state machine up to date.
    const readBy = Date.now() + 15_000;
    for (let i = 0; ; i++) {
      const id = cluster.ids[i % cluster.ids.length] as NodeId;
      try {
        const r = await fetch(`${cluster.url(id)}/count`, { signal: AbortSignal.timeout(3000) });
        await r.text();
        if (r.status === 200) break;
      } catch {
        /* not ready yet */
      }
      if (Date.now() > readBy) {
        problems.push("no read succeeded within 15 s after restarting every node");
        break;
      }
      await sleep(100);
    }
  }

  // Every node must converge on exactly the acknowledged count and one committed log.
  let final: ChaosResult["final"] = [];
  const settleBy = Date.now() + 15_000;
  for (;;) {
    final = [];
    for (const id of cluster.ids) {
      const s = await cluster.status(id);
      final.push({ id, counter: s?.counter, committedLogHash: s?.committedLogHash, lastApplied: s?.lastApplied });
    }
    // Logs agree on their committed prefixes when the shorter is a prefix of the longer; after
    // settling, every node has applied the same number of entries and the hashes are equal.
    const agree =
      final.every((f) => f.counter === o.increments) &&
      new Set(final.map((f) => `${String(f.lastApplied)}:${String(f.committedLogHash)}`)).size === 1;
    if (agree || Date.now() > settleBy) break;
    await sleep(100);
  }
  for (const f of final)
    if (f.counter !== o.increments)
      problems.push(`${f.id} counts ${String(f.counter)}, expected exactly ${o.increments}`);
  if (new Set(final.map((f) => f.committedLogHash)).size !== 1)
    problems.push(`committed logs differ: ${final.map((f) => `${f.id}=${String(f.committedLogHash)}`).join(", ")}`);
  if (acknowledged !== o.increments) problems.push(`${acknowledged} of ${o.increments} increments acknowledged`);
  problems.push(...crashReport(cluster));
  const wallMs = Date.now() - started;
  return {
    acknowledged,
    attempts,
    resent,
    killed,
    newLeaderMs,
    wallMs,
    throughput: (acknowledged * 1000) / wallMs,
    final,
    problems,
  };
}
