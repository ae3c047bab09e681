/**
 * Part D, reference: hybrid logical clocks (Kulkarni et al., OPODIS 2014). See src/hlc.ts for
 * the exercise text.
 */
import type { NodeId } from "@faultline/sim";
import { HybridClock as GivenClock, MAX_OFFSET_MS, type Hlc, type HlcMsg } from "../src/hlc.ts";
import { WorkloadNode } from "../src/workload.ts";

export { MAX_OFFSET_MS, type Hlc, type HlcMsg }; // given in the stub

export function compareHlc(a: Hlc, b: Hlc): number {
  return a.l !== b.l ? a.l - b.l : a.c - b.c;
}

/** The given clock (state, constructor, `current`) with its two rules written. */
export class HybridClock extends GivenClock {
  override tick(pt: number): Hlc {
    const l = Math.max(this.l, pt);
    this.c = l === this.l ? this.c + 1 : 0;
    this.l = l;
    return this.current;
  }

  override receive(remote: Hlc, pt: number): Hlc | null {
    if (remote.l > pt + this.maxOffsetMs) return null;
    const l = Math.max(this.l, remote.l, pt);
    if (l === this.l && l === remote.l) this.c = Math.max(this.c, remote.c) + 1;
    else if (l === this.l) this.c += 1;
    else if (l === remote.l) this.c = remote.c + 1;
    else this.c = 0;
    this.l = l;
    return this.current;
  }
}

export class HlcNode extends WorkloadNode<HlcMsg> {
  clock!: HybridClock;

  protected override boot(): void {
    this.clock = new HybridClock(MAX_OFFSET_MS);
  }

  private pt(): number {
    return Math.floor(this.env.now());
  }

  override onMessage(from: NodeId, msg: HlcMsg): void {
    const pt = this.pt();
    if (this.clock.receive(msg.hlc, pt) === null) {
      this.env.log(
        `rejected a timestamp from ${from}: l=${msg.hlc.l} is more than ${this.clock.maxOffsetMs} ms ahead of pt=${pt}`,
      );
    }
  }

  override localEvent(): void {
    this.clock.tick(this.pt());
  }

  override sendTo(peer: NodeId): void {
    const hlc = this.clock.tick(this.pt());
    this.env.send(peer, { type: "hello", hlc });
  }
}
