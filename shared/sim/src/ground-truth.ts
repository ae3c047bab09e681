/**
 * Ground-truth causality while a run happens: every endpoint's true vector clock (Fidge 1988,
 * Mattern 1989), ticked at each of its process events and merged with the sender's clock at
 * each delivery. Every trace event of a process carries a copy, so graders can check the
 * happened-before relation (vclock.ts) against it.
 */
import { assert } from "./assert.ts";

export class GroundTruth {
  private readonly clocks: number[][];

  constructor(readonly size: number) {
    this.clocks = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  }

  /** A local event (start, send, timer, log) of endpoint `index`: its clock after, as a copy. */
  tick(index: number): number[] {
    const vc = this.clocks[index];
    assert(vc !== undefined, "vector clock index within the endpoints");
    vc[index] = (vc[index] as number) + 1;
    return vc.slice();
  }

  /** Endpoint `index` receives a message sent with clock `sent`: merge, then tick. */
  receive(index: number, sent: readonly number[]): number[] {
    const vc = this.clocks[index];
    assert(vc !== undefined && sent.length === vc.length, "vector clocks of one run have one length");
    for (let k = 0; k < vc.length; k++) if ((sent[k] as number) > (vc[k] as number)) vc[k] = sent[k] as number;
    return this.tick(index);
  }

  /** The clock of endpoint `index` right now (a copy). */
  of(index: number): number[] {
    const vc = this.clocks[index];
    assert(vc !== undefined, "vector clock index within the endpoints");
    return vc.slice();
  }
}
