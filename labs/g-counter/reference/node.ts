/**
 * Reference nodes. Each node keeps one replica, answers clients, and every
 * GOSSIP_INTERVAL_MS sends its whole state to every peer. Adds are made durable (write + sync)
 * before they are acknowledged, and a restarted node restores its replica from disk under the
 * same replica id, so its own entry never goes back.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  DISK_KEY,
  GOSSIP_INTERVAL_MS,
  type AddRequest,
  type GCounterState,
  type Msg,
  type PNCounterState,
  type Timer,
} from "../src/messages.ts";
import { GCounter } from "./gcounter.ts";
import { PNCounter } from "./pncounter.ts";

/** What a node needs of its replica's class (GCounter or PNCounter). */
interface CounterClass<C, S> {
  new (replicaId: NodeId): C;
  fromJSON(replicaId: NodeId, state: S): C;
}

/**
 * What GCounterNode and PNCounterNode share: the replica comes back from disk at start, `add` is
 * applied, made durable and acknowledged, `read` answers the value, a peer's gossip is merged,
 * and the whole state is gossiped to every peer every GOSSIP_INTERVAL_MS.
 */
abstract class CounterNode<C extends { value(): number; merge(other: C): C; toJSON(): S }, S>
  implements Node<Msg, Timer>
{
  /** The replicated data type. */
  protected abstract readonly Counter: CounterClass<C, S>;
  /** The type of this node's gossip messages. */
  protected abstract readonly gossipType: "gossip" | "pn_gossip";
  protected env!: Env<Msg, Timer>;
  protected counter!: C;

  /** Apply a client's delta to the replica; throws, changing nothing, when it is invalid. */
  protected abstract apply(delta: number): void;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    const saved = env.disk.read<S>(DISK_KEY);
    this.counter = saved === undefined ? new this.Counter(env.id) : this.Counter.fromJSON(env.id, saved);
    env.setTimer(GOSSIP_INTERVAL_MS, "gossip");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "add":
        this.add(from, msg);
        break;
      case "read":
        this.env.send(from, { type: "read_ok", id: msg.id, value: this.counter.value() });
        break;
      case "gossip":
      case "pn_gossip":
        if (msg.type === this.gossipType)
          this.counter = this.counter.merge(this.Counter.fromJSON(from, msg.state as S));
        break;
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    this.gossip();
    this.env.setTimer(GOSSIP_INTERVAL_MS, "gossip");
  }

  value(): number {
    return this.counter.value();
  }

  private add(from: NodeId, msg: AddRequest): void {
    try {
      this.apply(msg.delta);
    } catch (err) {
      this.env.send(from, { type: "add_error", id: msg.id, error: (err as Error).message });
      return;
    }
    this.persist();
    this.env.send(from, { type: "add_ok", id: msg.id });
  }

  protected gossip(): void {
    const state = this.counter.toJSON();
    for (const peer of this.env.peers) this.env.send(peer, { type: this.gossipType, state } as Msg);
  }

  /** Durable before acknowledged: a crash after add_ok must not lose the increment. */
  private persist(): void {
    this.env.disk.write(DISK_KEY, this.counter.toJSON());
    this.env.disk.sync();
  }
}

export class GCounterNode extends CounterNode<GCounter, GCounterState> {
  protected override readonly Counter: typeof GCounter = GCounter;
  protected override readonly gossipType = "gossip";

  protected override apply(delta: number): void {
    this.counter.increment(delta);
  }
}

export class PNCounterNode extends CounterNode<PNCounter, PNCounterState> {
  protected override readonly Counter: typeof PNCounter = PNCounter;
  protected override readonly gossipType = "pn_gossip";

  protected override apply(delta: number): void {
    if (delta >= 0) this.counter.increment(delta);
    else this.counter.decrement(-delta);
  }
}

/**
 * Delta-state gossip: each round a peer gets only the entries it is not known to have. What a
 * peer is known to have grows with its acknowledgements and with the deltas it sends us; a lost
 * delta is simply still "missing" at the next round and goes again.
 */
export class DeltaGCounterNode extends GCounterNode {
  /** Per peer: a lower bound of that peer's entries. */
  private known = new Map<NodeId, GCounter>();

  override start(env: Env<Msg, Timer>): void {
    super.start(env);
    for (const peer of env.peers) this.known.set(peer, new this.Counter(peer));
  }

  override onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "delta": {
        const delta = this.Counter.fromJSON(from, msg.state);
        this.counter = this.counter.merge(delta);
        this.learn(from, delta);
        this.env.send(from, { type: "delta_ack", state: msg.state });
        break;
      }
      case "delta_ack":
        this.learn(from, this.Counter.fromJSON(from, msg.state));
        break;
      default:
        super.onMessage(from, msg);
    }
  }

  protected override gossip(): void {
    const mine = this.counter.toJSON();
    for (const peer of this.env.peers) {
      const theirs = this.known.get(peer);
      const delta: GCounterState = {};
      let any = false;
      for (const [r, v] of Object.entries(mine)) {
        if (v > (theirs?.get(r) ?? 0)) {
          delta[r] = v;
          any = true;
        }
      }
      if (any) this.env.send(peer, { type: "delta", state: delta });
    }
  }

  private learn(peer: NodeId, entries: GCounter): void {
    const before = this.known.get(peer) ?? new this.Counter(peer);
    this.known.set(peer, before.merge(entries));
  }
}
