/**
 * Part C: SWIM membership (Das, Gupta, Motivala, "SWIM: Scalable Weakly-consistent Infection-style
 * Process Group Membership Protocol", DSN 2002).
 *
 * Heartbeating every peer costs n - 1 messages per member per period: the load grows with the
 * group. SWIM separates the two jobs of a membership protocol:
 *
 * - FAILURE DETECTION (§3.1): every PROTOCOL_PERIOD_MS a member pings ONE member, picked
 *   round-robin over a shuffled list of the members not held dead (§4.3: a new member goes to a
 *   random place in it once, when first heard of, and the list is reshuffled after each round).
 *   No ack within PING_TIMEOUT_MS: it asks PING_REQ_MEMBERS other members, at random among those
 *   not held dead and never the target itself, to ping the target for it (ping-req); they relay
 *   the target's ack. Neither ack by the end of the period: the target is SUSPECTED. An ack
 *   answers only the ping whose seq it carries.
 * - SUSPICION (§4.2): a suspect becomes DEAD after suspicionTimeoutMs(n) unless it refutes: a
 *   member that hears it is suspected (or dead) increments its INCARNATION number and announces
 *   itself alive with it. An update overrides what a member knows only if it is newer:
 *     alive(i)   overrides suspect(j) and alive(j) and dead(j) when i > j;
 *     suspect(i) overrides alive(j) when i >= j, suspect(j) when i > j;
 *     dead(i)    overrides alive(j) and suspect(j) when i >= j.
 * - DISSEMINATION (§4.1): no extra messages. Every change a member learns is piggybacked on its
 *   next pings, acks and ping-reqs, each change retransmitLimit(n) times (λ·log n), least sent
 *   first, then dropped.
 *
 * Joining: a member whose id is `seed` starts the group; any other sends { type: "join",
 * incarnation } to the seed every period until a { type: "welcome", members } arrives. A member
 * that receives a join records the newcomer alive (and gossips it) and answers with every member
 * it knows, itself included. A restart is a fresh instance: keep the incarnation on `env.disk`
 * (write, then sync) and come back with a higher one.
 *
 * After a partition heals nobody probes the members it holds dead: every DEAD_PROBE_EVERY
 * periods also ping one member held dead, with its dead update in the ping's updates.
 *
 * The grader reads `view()` every 20 ms; it must not change anything.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write: the constants, the messages, the update.
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
} from "./messages.ts";

export interface SwimOptions {
  /** The member to join through; the seed itself starts the group alone. */
  seed: NodeId;
}

export class SwimNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected readonly seed: NodeId;

  constructor(options: SwimOptions) {
    this.seed = options.seed;
  }

  start(env: Env<Msg, Timer>): void {
    // TODO: keep `env`; read the last incarnation from env.disk and start one above it (0 the
    // first time), writing it back and syncing. Unless env.id is the seed, send a join to the
    // seed. Set the "probe" timer (every PROTOCOL_PERIOD_MS).
    throw new NotImplemented("SwimNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: merge the piggybacked updates of every ping, ack and ping-req (SWIM §4.2 rules, see
    // above; an update about yourself that says suspect or dead is refuted). Then:
    // "ping": ack with the same seq; "ping-req": ping the target with a seq of your own and relay
    // its ack to the requester with the requester's seq (SWIM §3.1); "ack": mark the probe of
    // this period acked if the ack carries the probe's seq (a late ack of an earlier ping is no
    // answer); "join": record the newcomer alive, answer with a welcome; "welcome": merge every
    // member, you have joined.
    throw new NotImplemented("SwimNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: "probe": set the timer again; not joined yet: resend the join. Otherwise suspect the
    // target of the last period if no ack came, declare dead the suspects older than
    // suspicionTimeoutMs(n), ping the next member of the round-robin order (SWIM §4.3: the
    // members not held dead; skip one that died during the round) and set "probe-timeout"
    // (PING_TIMEOUT_MS); every DEAD_PROBE_EVERY periods ping one member held dead too (the only
    // ping a dead member gets).
    // "probe-timeout": no ack yet: send ping-req to PING_REQ_MEMBERS other members, picked at
    // random among those not held dead, the target left out (all of them if fewer).
    throw new NotImplemented("SwimNode.onTimer");
  }

  /** Read-only hook for the grader: the members this node suspects or holds dead, sorted. */
  suspected(): NodeId[] {
    // TODO
    throw new NotImplemented("SwimNode.suspected");
  }

  /** Read-only hook for the grader: every member this node knows, itself included (alive, with its incarnation), sorted by id. */
  view(): Update[] {
    // TODO
    throw new NotImplemented("SwimNode.view");
  }
}
