/**
 * A node's local clock: true (virtual) time seen through an offset, a drift rate and jumps.
 * local(t) = anchorLocal + (t - anchorTrue) * (1 + drift). Timers run at the drifted rate but
 * ignore jumps, as timers on a monotonic clock do in a real OS.
 */
export class NodeClock {
  private anchorTrue = 0;
  private anchorLocal = 0;
  private drift = 0;

  constructor(offsetMs = 0, drift = 0) {
    this.anchorLocal = offsetMs;
    this.setDrift(0, drift);
  }

  local(trueTime: number): number {
    return this.anchorLocal + (trueTime - this.anchorTrue) * (1 + this.drift);
  }

  /** Set the drift rate (e.g. 0.01 runs 1% fast, -0.01 1% slow) from true time `t` on. */
  setDrift(t: number, drift: number): void {
    if (!(drift > -0.5 && drift < 0.5)) throw new RangeError(`drift must be in (-0.5, 0.5), got ${drift}`);
    this.anchorLocal = this.local(t);
    this.anchorTrue = t;
    this.drift = drift;
  }

  /** Jump the clock by `deltaMs` (negative jumps go backwards) at true time `t`. */
  jump(t: number, deltaMs: number): void {
    this.anchorLocal = this.local(t) + deltaMs;
    this.anchorTrue = t;
  }

  /** Set the offset relative to true time (local = t + offset) at true time `t`. */
  setOffset(t: number, offsetMs: number): void {
    this.anchorLocal = t + offsetMs;
    this.anchorTrue = t;
  }

  /** True-time duration of a timer of `localMs` on this clock. */
  trueDuration(localMs: number): number {
    return localMs / (1 + this.drift);
  }

  get driftRate(): number {
    return this.drift;
  }
}
