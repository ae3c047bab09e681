/**
 * Lowe's cache for the Wing & Gong search: the set of (linearized operations, state id) pairs
 * already explored. Reaching a pair twice means the same subtree again, so the search prunes
 * it. Without it the search is exponential in the number of concurrent operations.
 *
 * Layout: an open-addressing hash table (linear probing) of entry numbers; each entry's bitset
 * lives in one flat Uint32Array arena, its state id and hash in Int32Arrays. Nothing here is a
 * JS object, so a cache of millions of entries costs the garbage collector nothing. The caller
 * supplies the hash (Zobrist hash of the bitset mixed with the state id), so probing compares
 * 32-bit integers first and bitsets only on a hash match.
 */

export class StateCache {
  private readonly words: number;
  private slots: Int32Array; // entry number + 1, 0 = empty
  private mask: number;
  private hashes: Int32Array;
  private stateIds: Int32Array;
  private bits: Uint32Array;
  private count = 0;

  constructor(
    /** Bitset length in 32-bit words. */
    words: number,
    /** Entries allowed before `add` reports the cache full. */
    readonly maxEntries: number,
  ) {
    if (!(words >= 1)) throw new Error(`StateCache: words must be >= 1, got ${words}`);
    if (!(maxEntries >= 1)) throw new Error(`StateCache: maxEntries must be >= 1, got ${maxEntries}`);
    this.words = words;
    this.slots = new Int32Array(1024);
    this.mask = 1023;
    this.hashes = new Int32Array(512);
    this.stateIds = new Int32Array(512);
    this.bits = new Uint32Array(512 * words);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds (bitset, stateId) unless present. Returns 1 if added, 0 if it was already there, -1 if
   * the cache is full (the caller must give up: pruning would be lost).
   */
  add(hash: number, bitset: Uint32Array, stateId: number): 1 | 0 | -1 {
    const words = this.words;
    const bits = this.bits;
    const hashes = this.hashes;
    const stateIds = this.stateIds;
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const slot = slots[i] as number;
      if (slot === 0) break;
      const e = slot - 1;
      if (hashes[e] === hash && stateIds[e] === stateId) {
        let same = true;
        const base = e * words;
        for (let w = 0; w < words; w++) {
          if (bits[base + w] !== bitset[w]) {
            same = false;
            break;
          }
        }
        if (same) return 0;
      }
      i = (i + 1) & mask;
    }
    if (this.count >= this.maxEntries) return -1;
    const e = this.count++;
    if (e >= hashes.length) this.growEntries();
    (this.hashes as Int32Array)[e] = hash;
    (this.stateIds as Int32Array)[e] = stateId;
    this.bits.set(bitset, e * words);
    slots[i] = e + 1;
    if (this.count * 2 > slots.length) this.growTable();
    return 1;
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const stateIds = new Int32Array(capacity);
    stateIds.set(this.stateIds);
    this.stateIds = stateIds;
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
