/**
 * The grader's Raft client (section 8): it finds the leader by following redirects, retries a
 * request with the same (clientId, seq) until it is answered or its deadline passes, and
 * records every operation with its call and return times for the linearizability check. A
 * request that was never answered has an unknown outcome: it may or may not have happened.
 */
import type { ClientEndpoint, NodeId } from "@faultline/sim";
import type * as Raft from "@faultline/lab-raft";
import type { Cluster, Msg } from "./cluster.ts";

export type Outcome = { ok: true; result: Raft.OpResult; by: NodeId; index: number } | { ok: false };

export interface Recorded {
  client: number;
  clientId: string;
  seq: number;
  op: Raft.Operation;
  call: number;
  /** Return time, or undefined when the outcome is unknown. */
  ret: number | undefined;
  result: Raft.OpResult | undefined;
}

/** Every operation of every client of one run. */
export class History {
  readonly ops: Recorded[] = [];
}

export interface CallOptions {
  /** Give up (outcome unknown) after this much virtual time. */
  deadlineMs?: number;
  /** Wait this long for an answer before trying another node. */
  attemptMs?: number;
}

export class RaftClient {
  private seq = 0;
  private guess: NodeId | undefined;
  /** Virtual time from the first send of the last answered operation to its "ok". */
  lastLatencyMs = 0;
  private rr: number;
  readonly endpoint: ClientEndpoint<Msg>;

  constructor(
    private readonly cluster: Cluster,
    readonly endpointId: NodeId,
    readonly number: number,
    private readonly history?: History,
    readonly clientId = endpointId,
  ) {
    this.endpoint = cluster.sim.client(endpointId);
    this.rr = number % cluster.ids.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Run one operation to completion or its deadline. */
  async run(op: Raft.Operation, opts: CallOptions = {}): Promise<Outcome> {
    const seq = ++this.seq;
    const rec: Recorded = {
      client: this.number,
      clientId: this.clientId,
      seq,
      op,
      call: this.cluster.sim.now,
      ret: undefined,
      result: undefined,
    };
    this.history?.ops.push(rec);
    return this.call(seq, op, opts, rec);
  }

  /**
   * Send the last request again, same seq, as a client that never saw the answer would (or a
   * duplicate delivered late). Not recorded in the history: it is the same operation.
   */
  async repeatLast(op: Raft.Operation, opts: CallOptions = {}): Promise<Outcome> {
    return this.call(this.seq, op, opts, undefined);
  }

  private async call(seq: number, op: Raft.Operation, opts: CallOptions, rec: Recorded | undefined): Promise<Outcome> {
    const sim = this.cluster.sim;
    const start = sim.now;
    const deadline = sim.now + (opts.deadlineMs ?? 5_000);
    const attempt = opts.attemptMs ?? 120;
    const req: Raft.ClientRequest = { type: "ClientRequest", clientId: this.clientId, seq, op };
    const ids = this.cluster.ids;
    while (sim.now < deadline) {
      const to = this.guess ?? (ids[this.rr++ % ids.length] as NodeId);
      this.endpoint.send(to, req);
      const got = await this.endpoint.receive(
        (r) => r.msg.type === "ClientReply" && r.msg.clientId === this.clientId && r.msg.seq === seq,
        Math.min(attempt, Math.max(1, deadline - sim.now)),
      );
      if (got === undefined) {
        this.guess = undefined; // silent node: try the next one
        continue;
      }
      const reply = got.msg as Raft.ClientReply;
      const from = got.from; // may be an earlier attempt's node (late or duplicated replies)
      if (reply.status !== "ok" && reply.status !== "redirect")
        this.cluster.ctx.fail(
          "client protocol",
          `${from} answered ${this.clientId}'s request #${seq} with status ${JSON.stringify((reply as { status: unknown }).status)}: a ClientReply's status is "ok" or "redirect"`,
        );
      if (reply.status === "ok") {
        this.lastLatencyMs = sim.now - start;
        if (rec) {
          rec.ret = sim.now;
          rec.result = reply.result;
        }
        this.guess = from;
        return { ok: true, result: reply.result, by: from, index: this.indexOf(from, seq) };
      }
      if (reply.leaderHint && reply.leaderHint !== from && ids.includes(reply.leaderHint)) {
        this.guess = reply.leaderHint;
      } else {
        this.guess = undefined;
        await this.endpoint.sleep(10); // an election is probably under way
      }
    }
    return { ok: false };
  }

  /**
   * Send a request once to `to` and do not wait (its outcome stays unknown). Used to hand a
   * node entries that it cannot commit.
   */
  sendOnce(to: NodeId, op: Raft.Operation): number {
    const seq = ++this.seq;
    this.history?.ops.push({
      client: this.number,
      clientId: this.clientId,
      seq,
      op,
      call: this.cluster.sim.now,
      ret: undefined,
      result: undefined,
    });
    this.endpoint.send(to, { type: "ClientRequest", clientId: this.clientId, seq, op });
    return seq;
  }

  /**
   * Where the leader that answered holds this request in its log (0 if not found). A leader
   * with snapshots may already have compacted it: then it is among the committed entries the
   * grader recorded.
   */
  private indexOf(node: NodeId, seq: number): number {
    const n = this.cluster.node(node);
    const log = n?.log ?? [];
    const base = n?.snapshotIndex ?? 0;
    for (let i = Math.min(base + log.length, n?.commitIndex ?? 0); i > base; i--) {
      const c = log[i - base - 1]?.command;
      if (c && c.clientId === this.clientId && c.seq === seq) return i;
    }
    if (base === 0) return 0;
    const mark = `|${this.clientId}|${seq}|`;
    const committed = this.cluster.committed;
    for (let i = Math.min(base, committed.length); i >= 1; i--) if (committed[i - 1]?.key.includes(mark)) return i;
    return 0;
  }
}
