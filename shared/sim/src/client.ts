/**
 * Client endpoints: the test's side of the network. A workload is ordinary async code
 * (`await client.call(...)`); every await resolves inside the simulation loop at a definite
 * virtual time, so workloads are as deterministic as nodes.
 */
import type { NodeId } from "./types.ts";

/** What a client endpoint needs from the simulation. */
export interface ClientHost<M> {
  readonly now: number;
  clientSend(from: NodeId, to: NodeId, msg: M): void;
  clientTimer(ms: number, label: string, fn: () => void): void;
  wakeClients(): void;
}

export interface Received<M> {
  from: NodeId;
  msg: M;
}

interface Waiter<M> {
  match: (r: Received<M>) => boolean;
  resolve: (r: Received<M> | undefined) => void;
  done: boolean;
}

/** A bounded inbox: unmatched messages beyond this are discarded oldest-first. */
const INBOX_LIMIT = 10_000;

export class ClientEndpoint<M = unknown> {
  private inbox: Array<Received<M>> = [];
  private waiters: Array<Waiter<M>> = [];

  constructor(
    private readonly host: ClientHost<M>,
    readonly id: NodeId,
  ) {}

  /** Send `msg` to node `to` through the (faulty) network. */
  send(to: NodeId, msg: M): void {
    this.host.clientSend(this.id, to, msg);
  }

  /**
   * The next message that satisfies `match` (already in the inbox, or arriving within
   * `timeoutMs` of virtual time); undefined on timeout.
   */
  receive(match: (r: Received<M>) => boolean = () => true, timeoutMs = Infinity): Promise<Received<M> | undefined> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) {
      const [r] = this.inbox.splice(i, 1);
      return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      const w: Waiter<M> = { match, resolve, done: false };
      this.waiters.push(w);
      if (Number.isFinite(timeoutMs)) {
        this.host.clientTimer(timeoutMs, `${this.id} receive timeout`, () => {
          if (w.done) return;
          w.done = true;
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(undefined);
        });
      }
    });
  }

  /**
   * Send a request and wait for the reply that `isReply` accepts. Resolves to the reply
   * message, or undefined when `timeoutMs` passes first (the request may or may not have taken
   * effect: record it as unknown in a history).
   */
  async call<R extends M = M>(
    to: NodeId,
    msg: M,
    isReply: (m: M, from: NodeId) => boolean,
    timeoutMs: number,
  ): Promise<R | undefined> {
    this.send(to, msg);
    const r = await this.receive((x) => isReply(x.msg, x.from), timeoutMs);
    return r?.msg as R | undefined;
  }

  /** Wait `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.host.clientTimer(ms, `${this.id} sleep`, resolve));
  }

  /** @internal Called by the simulation when a message reaches this client. */
  accept(from: NodeId, msg: M): void {
    const r: Received<M> = { from, msg };
    for (const w of this.waiters) {
      if (!w.done && w.match(r)) {
        w.done = true;
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(r);
        this.host.wakeClients();
        return;
      }
    }
    this.inbox.push(r);
    if (this.inbox.length > INBOX_LIMIT) this.inbox.shift();
  }

  /** Messages that arrived and matched no receive (late replies, duplicates). */
  get unclaimed(): number {
    return this.inbox.length;
  }

  /** Forget unclaimed messages (e.g. stale replies before a new phase). */
  clearInbox(): void {
    this.inbox = [];
  }
}
