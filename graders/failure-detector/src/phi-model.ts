/**
 * The grader's own phi accrual detector, written from the README's specification (Hayashibara
 * et al. 2004, §4, with the window, the σ floor and the first-heartbeat rule the lab fixes): the
 * value a learner's detector must output, to within rounding.
 */
export const WINDOW = 100;
export const MIN_STD_DEV_MS = 20;
export const FIRST_INTERVAL_MS = 200;

/** 1 - F(elapsed) for N(mean, stdDev²), the logistic approximation the lab gives in normal.ts. */
export function tail(elapsed: number, mean: number, stdDev: number): number {
  const y = (elapsed - mean) / stdDev;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? e / (1 + e) : 1 - 1 / (1 + e);
}

export class PhiModel {
  readonly intervals: number[] = [];
  last: number | undefined;

  heartbeat(now: number): void {
    this.intervals.push(this.last === undefined ? FIRST_INTERVAL_MS : now - this.last);
    if (this.intervals.length > WINDOW) this.intervals.shift();
    this.last = now;
  }

  /** The window's mean and floored population standard deviation. */
  stats(): { mean: number; stdDev: number } {
    const n = this.intervals.length;
    const mean = this.intervals.reduce((a, b) => a + b, 0) / n;
    const variance = this.intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    return { mean, stdDev: Math.max(MIN_STD_DEV_MS, Math.sqrt(variance)) };
  }

  phi(now: number): number {
    if (this.last === undefined) return 0;
    const { mean, stdDev } = this.stats();
    return -Math.log10(tail(now - this.last, mean, stdDev));
  }
}

/** Equal up to floating-point rounding (a sum taken in another order), infinities included. */
export function samePhi(got: number, expected: number): boolean {
  if (!Number.isFinite(expected)) return got === expected || (typeof got === "number" && got > 300);
  return typeof got === "number" && Math.abs(got - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
}
