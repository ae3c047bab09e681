/**
 * Internal invariants of the simulator, asserted where they are relied on (TigerBeetle style):
 * a broken one is a bug in the simulator, never in the code under test, and says so.
 */

export class SimulatorBug extends Error {
  constructor(what: string) {
    super(`simulator invariant broken: ${what} (a bug in @faultline/sim, not in the code under test)`);
    this.name = "SimulatorBug";
  }
}

/** Throws a SimulatorBug when `ok` is false. Keep `what` a constant on hot paths. */
export function assert(ok: boolean, what: string): asserts ok {
  if (!ok) throw new SimulatorBug(what);
}
