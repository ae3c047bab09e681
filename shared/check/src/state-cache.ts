/**
 * Lowe's cache for the Wing & Gong search: the set of (linearized operations, state) pairs
 * already explored. Reaching a pair twice means the same subtree again, so the search prunes
 * it. Without it the search is exponential in the number of concurrent operations.
 *
 * Layout: an open-addressing hash table (linear probing) of entry numbers; each entry's bitset
 * lives in one flat Uint32Array arena and its state in a plain array. The caller supplies the
 * hash (Zobrist hash of the bitset mixed with the model's state hash), so probing compares a
 * 32-bit hash first and touches bitsets and states only on a hash match.
 */

export class StateCache<S> {
  private readonly words: number;
  private slots: Int32Array; // entry number + 1, 0 = empty
  private mask: number;
  private hashes: Int32Array;
  private bits: Uint32Array;
  private readonly states: S[] = [];
  private count = 0;

  constructor(
    /** Bitset length in 32-bit words. */
    words: number,
    private readonly equal: (a: S, b: S) => boolean,
    /** Entries allowed before `add` reports the cache full. */
    readonly maxEntries: number,
  ) {
    if (!(words >= 1)) throw new Error(`StateCache: words must be >= 1, got ${words}`);
    if (!(maxEntries >= 1)) throw new Error(`StateCache: maxEntries must be >= 1, got ${maxEntries}`);
    this.words = words;
    this.slots = new Int32Array(1024);
    this.mask = 1023;
    this.hashes = new Int32Array(512);
    this.bits = new Uint32Array(512 * words);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds (bitset, state) unless present. Returns 1 if added, 0 if it was already there, -1 if
   * the cache is full (the caller must give up: pruning would be lost).
   */
  add(hash: number, bitset: Uint32Array, state: S): 1 | 0 | -1 {
    const words = this.words;
    const bits = this.bits;
    const hashes = this.hashes;
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const slot = slots[i] as number;
      if (slot === 0) break;
      const e = slot - 1;
      if (hashes[e] === hash) {
        let same = true;
        const base = e * words;
        for (let w = 0; w < words; w++) {
          if (bits[base + w] !== bitset[w]) {
            same = false;
            break;
          }
        }
        if (same && this.equal(this.states[e] as S, state)) return 0;
      }
      i = (i + 1) & mask;
    }
    if (this.count >= this.maxEntries) return -1;
    const e = this.count++;
    if (e >= hashes.length) this.growEntries();
    (this.hashes as Int32Array)[e] = hash;
    this.bits.set(bitset, e * words);
    this.states.push(state);
    slots[i] = e + 1;
    if (this.count * 2 > slots.length) this.growTable();
    return 1;
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
  }

  private growTable(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      let i = (this.hashes[e] as number) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
