/**
 * Parts B and C: the storage (node id "store") that lock holders write to.
 *
 * Part B, the auditing storage. A lock alone does not protect the storage: a client checks
 * "do I still hold the lease?", gets yes, and is paused (a GC pause, a VM migration) before its
 * write goes out; meanwhile the lease expires and another client acquires the lock and writes.
 * When the first client wakes it writes too, and the storage has two writers (Kleppmann, "How to
 * do distributed locking", 2016, the figure "unsafe access to a resource protected by a
 * distributed lock"). The storage cannot prevent it yet, but it can SEE it: every write carries
 * the writer's token, and a write whose token is lower than the highest token the storage has
 * received before is a write from a holder that was already superseded.
 * - `write {id, token, op, key, value}`: apply it (`put` replaces the value of `key`, `append`
 *   adds `value` at its end), answer `write_ok {id, token}`. Every write, including duplicates.
 * - `overlaps()`: every received write whose token was lower than the highest token of ALL the
 *   writes received before it (not only the previous one), in arrival order, as
 *   `{ token, highest, key, value }`. An equal token is the same holder writing again: no overlap.
 *
 * Part C, the fenced storage: the same writes, but a write whose token is lower than the highest
 * token seen is refused with `write_rejected {id, token, highest}` and changes nothing (Chubby's
 * sequencer check, Burrows 2006 §2.4). Every write is checked, whatever its op or key. Equal
 * tokens are accepted. The highest token must survive a crash: write it (with the data) to
 * `env.disk` and `sync()` before answering `write_ok`, and read it back in `start`.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import { STORAGE_KEY, type Msg, type Overlap, type Timer } from "./messages.ts";

/** Part B: applies every write, and reports the writes that came from a superseded holder. */
export class AuditingStorage implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; start with no data, no overlaps and a highest token of 0.
    throw new NotImplemented("AuditingStorage.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: on "write": record an overlap if msg.token < the highest token received so far,
    // raise the highest, apply the write, answer write_ok.
    throw new NotImplemented("AuditingStorage.onMessage");
  }

  onTimer(tag: Timer): void {}

  /** Read-only hook for the grader: the overlaps recorded so far, in arrival order. */
  overlaps(): Overlap[] {
    // TODO
    throw new NotImplemented("AuditingStorage.overlaps");
  }

  /** Read-only hook for the grader: the stored values by key. */
  values(): Record<string, string> {
    // TODO
    throw new NotImplemented("AuditingStorage.values");
  }
}

/** Part C: refuses every write whose token is lower than the highest it has accepted. */
export class FencedStorage implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; restore the highest token and the data from env.disk (STORAGE_KEY).
    throw new NotImplemented("FencedStorage.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: on "write": token < highest -> write_rejected (change nothing); else raise highest,
    // apply, write + sync to disk, then write_ok.
    throw new NotImplemented("FencedStorage.onMessage");
  }

  onTimer(tag: Timer): void {}

  /** Read-only hook for the grader: the highest token accepted so far. */
  highest(): number {
    // TODO
    throw new NotImplemented("FencedStorage.highest");
  }

  /** Read-only hook for the grader: the stored values by key. */
  values(): Record<string, string> {
    // TODO
    throw new NotImplemented("FencedStorage.values");
  }
}
