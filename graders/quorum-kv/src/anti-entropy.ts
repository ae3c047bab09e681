/**
 * What the part E (anti-entropy) scenarios watch: the traffic of the sync messages, the rule
 * that a merge from a peer never makes a replica older, and whether the replicas of some keys
 * hold the same versions. Read from the trace and the introspection hooks only.
 */
import type { NodeId } from "@faultline/sim";
import type { SyncMsg, Version } from "@faultline/lab-quorum-kv";
import { cmpStamp, descends, preference, stampText, stored, versionsText, type Sim } from "./harness.ts";

/** Counters of anti-entropy messages sent since the last reset. */
export class SyncTraffic {
  /** syncHashes, syncKeys and syncEntries messages. */
  messages = 0;
  /** Tree-node hashes in syncHashes plus key digests in syncKeys: the comparisons made. */
  hashes = 0;
  /** Keys whose versions were shipped in syncEntries. */
  entries = 0;
  /** Messages past the first step (hashes below the root, keys, entries): some subtree differed. */
  beyondRoots = 0;

  reset(): void {
    this.messages = 0;
    this.hashes = 0;
    this.entries = 0;
    this.beyondRoots = 0;
  }

  text(): string {
    return `${this.messages} sync messages, ${this.hashes} hashes and digests, ${this.entries} entries`;
  }
}

function syncMessage(payload: string | undefined): SyncMsg | undefined {
  if (!payload?.includes('"sync')) return undefined;
  const m = JSON.parse(payload) as { type?: unknown };
  return m.type === "syncHashes" || m.type === "syncKeys" || m.type === "syncEntries" ? (m as SyncMsg) : undefined;
}

/** Does `now` still hold `old` or something that supersedes it? */
function keeps(now: readonly Version[], old: Version, byVector: boolean): boolean {
  return now.some((v) => (byVector ? descends(v.vv, old.vv) : cmpStamp(v.stamp, old.stamp) >= 0));
}

/**
 * Count sync traffic, and check the invariant "anti-entropy never makes a replica older" on
 * every delivered syncEntries: every version the receiver held for a key in the message is
 * still held or superseded after it handled the message (a tombstone is not replaced by the
 * value it deleted; a concurrent sibling is not dropped).
 */
export function watchAntiEntropy(sim: Sim, byVector: boolean): SyncTraffic {
  const traffic = new SyncTraffic();
  let pending: Array<{ node: NodeId; from: NodeId; key: string; before: Version[] }> = [];
  sim.onEvent((e) => {
    if (e.kind !== "send" && e.kind !== "deliver") return;
    const m = syncMessage(e.payload);
    if (!m) return;
    if (e.kind === "send") {
      traffic.messages++;
      if (m.type !== "syncHashes" || m.level > 0) traffic.beyondRoots++;
      if (m.type === "syncHashes") traffic.hashes += m.hashes.length;
      else if (m.type === "syncKeys") for (const [, keys] of m.leaves) traffic.hashes += keys.length;
      else traffic.entries += m.entries.length;
    } else if (m.type === "syncEntries" && e.peer !== undefined) {
      for (const { key } of m.entries)
        pending.push({ node: e.node, from: e.peer, key, before: stored(sim, e.node, key) ?? [] });
    }
  });
  sim.addInvariant("anti-entropy never makes a replica older", () => {
    if (pending.length === 0) return undefined;
    const checks = pending;
    pending = [];
    for (const { node, from, key, before } of checks) {
      const now = stored(sim, node, key);
      if (!now) continue; // crashed while handling it
      for (const old of before) {
        if (keeps(now, old, byVector)) continue;
        const what =
          old.value === null
            ? "a tombstone was replaced by an older value: the deleted key came back"
            : byVector
              ? "a concurrent sibling was dropped"
              : "a newer version was replaced by an older one";
        return `${node} held ${stampText(old)} for ${key}; after merging the entries ${from} sent, it holds ${versionsText(now)}: ${what}. Merge with reconcile, never take the peer's entry as it is.`;
      }
    }
    return undefined;
  });
  return traffic;
}

/** Version identities as a sorted list, to compare two replicas' copies. */
function idsOf(vs: readonly Version[]): string {
  return vs
    .map((v) => `${v.stamp.t}@${v.stamp.node}|${JSON.stringify(v.vv)}|${v.value}`)
    .sort()
    .join(" ");
}

/** The first key whose N replicas do not all hold the same versions, described; else undefined. */
export function disagreement(sim: Sim, keys: Iterable<string>, n: number): string | undefined {
  for (const key of keys) {
    const replicas = preference(key, sim.nodeIds).slice(0, n);
    const copies = replicas.map((r) => stored(sim, r, key) ?? []);
    const first = idsOf(copies[0] ?? []);
    if (copies.some((c) => idsOf(c) !== first))
      return `${key}: ${replicas.map((r, i) => `${r} holds ${versionsText(copies[i] ?? [])}`).join("; ")}`;
  }
  return undefined;
}
