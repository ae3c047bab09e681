/**
 * Gives every distinct model state a small integer id. The search then keeps ids, not states,
 * in its stack and cache: the cache becomes plain typed arrays the garbage collector never
 * scans, cache hits compare one integer instead of calling the model's `equal`, and each
 * distinct state is stored once however many linearized sets reach it.
 */
export class StateInterner<S> {
  private slots: Int32Array; // id + 1, 0 = empty
  private mask: number;
  private hashes: Int32Array;
  readonly states: S[] = [];

  constructor(
    private readonly equal: (a: S, b: S) => boolean,
    private readonly hash: (state: S) => number,
    /** Distinct states allowed; `intern` returns -1 beyond it. */
    readonly maxStates: number,
  ) {
    if (!(maxStates >= 1)) throw new Error(`StateInterner: maxStates must be >= 1, got ${maxStates}`);
    this.slots = new Int32Array(256);
    this.mask = 255;
    this.hashes = new Int32Array(128);
  }

  get size(): number {
    return this.states.length;
  }

  /** The id of `state` (registering it if new), or -1 when the limit is reached. */
  intern(state: S): number {
    const h = this.hash(state) | 0;
    const slots = this.slots;
    const mask = this.mask;
    let i = Math.imul(h, 0x9e3779b1) & mask;
    for (;;) {
      const slot = slots[i] as number;
      if (slot === 0) break;
      const id = slot - 1;
      if (this.hashes[id] === h && this.equal(this.states[id] as S, state)) return id;
      i = (i + 1) & mask;
    }
    const id = this.states.length;
    if (id >= this.maxStates) return -1;
    if (id >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.hashes[id] = h;
    this.states.push(state);
    slots[i] = id + 1;
    if (this.states.length * 2 > slots.length) this.grow();
    return id;
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.states.length; id++) {
      let i = Math.imul(this.hashes[id] as number, 0x9e3779b1) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
