/**
 * The normal distribution's tail, as the phi accrual detector needs it. This file is complete;
 * you do not need to change it.
 *
 * Hayashibara et al. (2004, §4.2) model a peer's heartbeat inter-arrival times as normally
 * distributed with the mean μ and variance σ² of a sliding window of recent intervals, and
 * define P_later(t) = 1 - F(t): the probability that the next heartbeat comes more than t ms
 * after the previous one. This is that tail, with the logistic approximation of the normal CDF
 * that Akka's detector uses (error below 1e-4), computed so it does not cancel to 0 for large
 * t (1 - F is taken as e / (1 + e), not 1 - 1 / (1 + e)).
 */

/** P_later(elapsed): probability that an interval drawn from N(mean, stdDev²) exceeds `elapsed`. */
export function pLater(elapsed: number, mean: number, stdDev: number): number {
  const y = (elapsed - mean) / stdDev;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? e / (1 + e) : 1 - 1 / (1 + e);
}
