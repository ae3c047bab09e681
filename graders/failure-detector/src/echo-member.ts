/**
 * A scripted SWIM member (a client endpoint the grader drives, not a learner's node). It joins
 * through the seed like any member and answers every ping at once, so nobody ever suspects it.
 * Then, every `everyMs`, it sends each member the ack of the last ping that member sent it
 * again: a late duplicate, the ack of a probe that ended periods ago. Nothing else ever carries
 * that `seq` (SWIM §3.1: an ack answers the ping whose `seq` it echoes), so a member that takes it
 * for the ack of its current probe is fooled: a crashed target looks alive.
 *
 * Or, every `everyMs`, it tells one member that it suspects it: a stream of refutations, each
 * of them news about a member every other member already knows.
 */
import type { ClientEndpoint, NodeId } from "@faultline/sim";
import { PROTOCOL_PERIOD_MS, type Msg } from "@faultline/lab-failure-detector";
import type { Sim } from "./cluster.ts";

export class EchoMember {
  /** The seq of the last ping each member sent this one. */
  readonly lastPing = new Map<NodeId, number>();
  /** Stale acks sent so far. */
  staleAcks = 0;
  /** Suspicions sent so far (suspectEvery). */
  suspicionsSent = 0;
  joined = false;
  private seq = 0;
  private echoing = false;
  private readonly client: ClientEndpoint<Msg>;

  constructor(
    private readonly sim: Sim,
    readonly id: NodeId,
    private readonly seed: NodeId,
  ) {
    this.client = sim.client(id);
    void sim.spawn(`${id} member`, () => this.run());
  }

  /** From now on, every `everyMs`, send each member the ack of its last ping to this one again. */
  echoEvery(everyMs: number): void {
    if (this.echoing) return;
    this.echoing = true;
    const tick = () => {
      for (const [m, seq] of this.lastPing) {
        if (!this.sim.isUp(m)) continue;
        this.client.send(m, { type: "ack", seq, updates: [] });
        this.staleAcks++;
      }
      this.sim.after(everyMs, `${this.id} acks again`, tick);
    };
    this.sim.after(0, `${this.id} acks again`, tick);
  }

  /**
   * From now on, every `everyMs`, tell `member` it is suspected, at the incarnation it holds
   * (`incarnation()`, the grader's record of its own view): a ping with `suspect` piggybacked,
   * to it alone. It refutes each time (SWIM §4.2), and its new "alive" is news to every member.
   */
  suspectEvery(member: NodeId, everyMs: number, incarnation: () => number): void {
    const tick = () => {
      if (this.sim.isUp(member)) {
        this.client.send(member, {
          type: "ping",
          seq: ++this.seq,
          updates: [{ member, status: "suspect", incarnation: incarnation() }],
        });
        this.suspicionsSent++;
      }
      this.sim.after(everyMs, `${this.id} suspects ${member}`, tick);
    };
    this.sim.after(0, `${this.id} suspects ${member}`, tick);
  }

  private async run(): Promise<void> {
    // Join like a member: ask the seed every period until a welcome arrives.
    while (!this.joined) {
      this.client.send(this.seed, { type: "join", incarnation: 0 });
      const r = await this.client.receive((x) => x.msg.type === "welcome", PROTOCOL_PERIOD_MS);
      if (r) this.joined = true;
    }
    for (;;) {
      const r = await this.client.receive((x) => x.msg.type === "ping");
      if (r?.msg.type !== "ping") continue;
      this.lastPing.set(r.from, r.msg.seq);
      this.client.send(r.from, { type: "ack", seq: r.msg.seq, updates: [] });
    }
  }
}
