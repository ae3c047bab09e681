/**
 * Reference of Part C: SWIM membership (Das, Gupta, Motivala, DSN 2002). One probe per protocol
 * period, round-robin over a shuffled list; ping-req through k other members when the direct
 * ack is late; suspicion with incarnation numbers; changes piggybacked a bounded number of times.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  DEAD_PROBE_EVERY,
  PING_REQ_MEMBERS,
  PING_TIMEOUT_MS,
  PROTOCOL_PERIOD_MS,
  retransmitLimit,
  suspicionTimeoutMs,
  type MemberStatus,
  type Msg,
  type Timer,
  type Update,
} from "../src/messages.ts";

export interface SwimOptions {
  /** The member to join through; the seed itself starts the group alone. */
  seed: NodeId;
}

interface Member {
  status: MemberStatus;
  incarnation: number;
  /** Local time of the last change of status (when a suspicion started). */
  since: number;
}

/** Does `u` override what is known (SWIM §4.2, with "dead" overridden only by a higher alive)? */
function overrides(u: Update, cur: Member): boolean {
  switch (u.status) {
    case "alive":
      return u.incarnation > cur.incarnation;
    case "suspect":
      return cur.status === "alive" ? u.incarnation >= cur.incarnation : u.incarnation > cur.incarnation;
    case "dead":
      return cur.status !== "dead" && u.incarnation >= cur.incarnation;
  }
}

export class SwimNode implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private readonly seed: NodeId;
  private incarnation = 0;
  private joined = false;
  private period = 0;
  private readonly members = new Map<NodeId, Member>();
  /** Changes still to piggyback, one per member, with how often each was sent. */
  private readonly gossip = new Map<NodeId, { update: Update; sent: number }>();
  /** Round-robin probe order (SWIM §4.3) and the position in it. */
  private order: NodeId[] = [];
  private next = 0;
  private seq = 0;
  private probe: { target: NodeId; seq: number; acked: boolean } | undefined;
  /** Pings sent for a ping-req: my seq -> the requester and its seq. */
  private readonly relays = new Map<number, { requester: NodeId; seq: number; at: number }>();

  constructor(options: SwimOptions) {
    this.seed = options.seed;
  }

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    // A restarted member comes back with an incarnation above any it had: its "alive" overrides its "dead".
    const previous = env.disk.read<number>("incarnation");
    this.setIncarnation(previous === undefined ? 0 : previous + 1);
    this.joined = env.id === this.seed;
    if (!this.joined) env.send(this.seed, { type: "join", incarnation: this.incarnation });
    env.setTimer(PROTOCOL_PERIOD_MS, "probe");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "join":
        this.apply({ member: from, status: "alive", incarnation: msg.incarnation });
        this.env.send(from, { type: "welcome", members: this.members_() });
        return;
      case "welcome":
        for (const u of msg.members) this.apply(u);
        this.joined = true;
        return;
      case "ping":
        this.applyAll(msg.updates);
        this.env.send(from, { type: "ack", seq: msg.seq, updates: this.piggyback() });
        return;
      case "ping-req": {
        this.applyAll(msg.updates);
        const seq = ++this.seq;
        this.relays.set(seq, { requester: from, seq: msg.seq, at: this.env.now() });
        this.env.send(msg.target, { type: "ping", seq, updates: this.piggyback() });
        return;
      }
      case "ack": {
        this.applyAll(msg.updates);
        if (this.probe && this.probe.seq === msg.seq) this.probe.acked = true;
        const relay = this.relays.get(msg.seq);
        if (relay) {
          this.relays.delete(msg.seq);
          this.env.send(relay.requester, { type: "ack", seq: relay.seq, updates: this.piggyback() });
        }
        return;
      }
      default:
        return;
    }
  }

  onTimer(tag: Timer): void {
    if (tag === "probe-timeout") {
      this.pingReq();
      return;
    }
    if (tag !== "probe") return;
    this.env.setTimer(PROTOCOL_PERIOD_MS, "probe");
    if (!this.joined) {
      this.env.send(this.seed, { type: "join", incarnation: this.incarnation });
      return;
    }
    this.period++;
    const now = this.env.now();
    // The probe of the last period got no ack, direct or relayed: suspect its target.
    if (this.probe && !this.probe.acked) this.suspect(this.probe.target);
    this.probe = undefined;
    const timeout = suspicionTimeoutMs(this.members.size + 1);
    for (const [id, m] of this.members) {
      if (m.status === "suspect" && now - m.since >= timeout)
        this.apply({ member: id, status: "dead", incarnation: m.incarnation });
    }
    for (const [seq, r] of this.relays) if (now - r.at > PROTOCOL_PERIOD_MS) this.relays.delete(seq);
    const target = this.nextTarget();
    if (target !== undefined) {
      this.probe = { target, seq: ++this.seq, acked: false };
      this.env.send(target, { type: "ping", seq: this.probe.seq, updates: this.piggyback() });
      this.env.setTimer(PING_TIMEOUT_MS, "probe-timeout");
    }
    // Now and then ping a member held dead: after a partition heals, it hears it is dead and refutes.
    if (this.period % DEAD_PROBE_EVERY === 0) {
      const dead = [...this.members].filter(([, m]) => m.status === "dead");
      if (dead.length > 0) {
        const [id, m] = dead[Math.floor(this.env.random() * dead.length)] as [NodeId, Member];
        this.env.send(id, {
          type: "ping",
          seq: ++this.seq,
          updates: [{ member: id, status: "dead", incarnation: m.incarnation }, ...this.piggyback()],
        });
      }
    }
  }

  /** Read-only hook: the members this node suspects or holds dead, sorted. */
  suspected(): NodeId[] {
    return [...this.members]
      .filter(([, m]) => m.status !== "alive")
      .map(([id]) => id)
      .sort();
  }

  /** Read-only hook: every member this node knows, itself included, sorted by id. */
  view(): Update[] {
    return this.members_().sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  }

  private members_(): Update[] {
    const out: Update[] = [{ member: this.env.id, status: "alive", incarnation: this.incarnation }];
    for (const [id, m] of this.members) out.push({ member: id, status: m.status, incarnation: m.incarnation });
    return out;
  }

  private setIncarnation(n: number): void {
    this.incarnation = n;
    this.env.disk.write("incarnation", n);
    this.env.disk.sync();
  }

  private applyAll(updates: readonly Update[]): void {
    for (const u of updates) this.apply(u);
  }

  /** Merge one change; a new one is piggybacked further. */
  private apply(u: Update): void {
    if (u.member === this.env.id) {
      // Suspected or declared dead: refute with a higher incarnation (SWIM §4.2). Held dead at an
      // older one (across a partition that has healed), say again which one is current.
      if (u.status === "alive") return;
      if (u.incarnation >= this.incarnation) this.setIncarnation(u.incarnation + 1);
      this.spread({ member: this.env.id, status: "alive", incarnation: this.incarnation });
      return;
    }
    const cur = this.members.get(u.member);
    if (cur && !overrides(u, cur)) return;
    this.members.set(u.member, { status: u.status, incarnation: u.incarnation, since: this.env.now() });
    if (!cur) {
      // A new member goes to a random place in the probe order (SWIM §4.3).
      const at = this.next + Math.floor(this.env.random() * (this.order.length - this.next + 1));
      this.order.splice(at, 0, u.member);
    }
    this.spread(u);
  }

  private spread(u: Update): void {
    this.gossip.set(u.member, { update: { ...u }, sent: 0 });
  }

  private suspect(id: NodeId): void {
    const m = this.members.get(id);
    if (m && m.status === "alive") this.apply({ member: id, status: "suspect", incarnation: m.incarnation });
  }

  /** The changes to piggyback on the next message, least sent first; each one at most retransmitLimit times. */
  private piggyback(): Update[] {
    const limit = retransmitLimit(this.members.size + 1);
    const entries = [...this.gossip].sort((a, b) => a[1].sent - b[1].sent);
    const out: Update[] = [];
    for (const [id, g] of entries) {
      out.push({ ...g.update });
      if (++g.sent >= limit) this.gossip.delete(id);
    }
    return out;
  }

  /** The next member to probe: round-robin over the members not held dead, reshuffled after each round. */
  private nextTarget(): NodeId | undefined {
    for (let tries = 0; tries <= this.order.length; tries++) {
      if (this.next >= this.order.length) {
        this.order = [...this.members].filter(([, m]) => m.status !== "dead").map(([id]) => id);
        for (let i = this.order.length - 1; i > 0; i--) {
          const j = Math.floor(this.env.random() * (i + 1));
          [this.order[i], this.order[j]] = [this.order[j] as NodeId, this.order[i] as NodeId];
        }
        this.next = 0;
        if (this.order.length === 0) return undefined;
      }
      const id = this.order[this.next++] as NodeId;
      if (this.members.get(id)?.status !== "dead") return id;
    }
    return undefined;
  }

  /** The direct ack is late: ask k other members to ping the target (SWIM §3.1). */
  private pingReq(): void {
    const p = this.probe;
    if (!p || p.acked) return;
    const helpers = [...this.members].filter(([id, m]) => id !== p.target && m.status !== "dead").map(([id]) => id);
    for (let i = 0; i < PING_REQ_MEMBERS && helpers.length > 0; i++) {
      const [helper] = helpers.splice(Math.floor(this.env.random() * helpers.length), 1) as [NodeId];
      this.env.send(helper, { type: "ping-req", seq: p.seq, target: p.target, updates: this.piggyback() });
    }
  }
}
