/**
 * The grader's record of SWIM membership views (Part C). Every `everyMs` of virtual time it reads
 * each live member's `view()` hook and classifies every change against the ground truth it
 * controls (who is down, who is paused, who is cut off):
 *
 * - a crashed member marked dead is a DETECTION, timed from the crash;
 * - a live member marked suspect is a FALSE SUSPICION (allowed, if refuted), marked dead a FALSE
 *   DEATH (the mistake SWIM's suspicion mechanism exists to avoid);
 * - a down member marked alive again, after being suspected or marked dead by the same observer
 *   since its crash, is a RESURRECTION: only the member itself can refute, and it is down;
 * - a member held at a lower incarnation than the observer held it at before is a REGRESSION:
 *   incarnations order the news about a member (SWIM §4.2), so older news never overrides newer.
 *
 * It also counts, from the trace, the node-to-node messages and the piggybacked updates they carry.
 */
import { eventMessage, type NodeId, type TraceEvent } from "@faultline/sim";
import type { MemberStatus, Update } from "@faultline/lab-failure-detector";
import type { Sim } from "./cluster.ts";

export interface SwimHook {
  view(): readonly Update[];
  suspected?(): readonly NodeId[];
}

export interface ViewEvent {
  t: number;
  observer: NodeId;
  member: NodeId;
  status: MemberStatus;
  incarnation: number;
}

export class SwimWatch {
  readonly detections: number[] = [];
  readonly falseSuspicions: ViewEvent[] = [];
  readonly falseDeaths: ViewEvent[] = [];
  readonly resurrections: ViewEvent[] = [];
  /** An observer went back to an older incarnation of a member (`was` is the one it held). */
  readonly regressions: Array<ViewEvent & { was: number }> = [];
  /** The first time a member's `suspected()` hook disagreed with its own `view()`. */
  hookMismatch: { t: number; observer: NodeId; says: readonly NodeId[]; view: NodeId[] } | undefined;
  /** Highest incarnation each member announced for itself. */
  readonly incarnations = new Map<NodeId, number>();
  /** Messages and piggybacked updates sent by members, counted from the trace. */
  messages = 0;
  updates = 0;
  private readonly views = new Map<NodeId, { instance: unknown; view: Map<NodeId, Update> }>();
  private readonly down = new Map<NodeId, number>();
  /** observer>member pairs where the observer suspected or buried the member since its crash. */
  private readonly buried = new Set<string>();
  private readonly pending = new Map<string, number>();
  /** Pairs that cannot hear each other (a partition): "dead" between them is no mistake. */
  private cut: (a: NodeId, b: NodeId) => boolean = () => false;

  constructor(
    private readonly sim: Sim,
    everyMs: number,
  ) {
    const tick = () => {
      this.poll();
      sim.after(everyMs, "read views", tick);
    };
    sim.after(0, "read views", tick);
    sim.onEvent((e: TraceEvent) => {
      if (e.kind !== "send" || !sim.nodeIds.includes(e.node)) return;
      this.messages++;
      const msg = eventMessage<{ updates?: unknown[] }>(e);
      if (Array.isArray(msg?.updates)) this.updates += msg.updates.length;
    });
  }

  isDown(id: NodeId): boolean {
    return this.down.has(id);
  }

  crash(id: NodeId): void {
    this.sim.crash(id);
    this.down.set(id, this.sim.now);
    this.views.delete(id);
    for (const o of this.sim.nodeIds) {
      if (o === id || this.isDown(o)) continue;
      if (this.view(o).get(id)?.status === "dead") this.detections.push(0);
      else this.pending.set(`${o}>${id}`, this.sim.now);
    }
  }

  restart(id: NodeId): void {
    this.sim.restart(id);
    this.down.delete(id);
    for (const key of [...this.pending.keys()]) if (key.endsWith(`>${id}`)) this.pending.delete(key);
    for (const key of [...this.buried]) if (key.endsWith(`>${id}`)) this.buried.delete(key);
  }

  /** While set, "dead" and "suspect" across `cut` pairs are not counted as mistakes. */
  setCut(cut: (a: NodeId, b: NodeId) => boolean): void {
    this.cut = cut;
  }

  /** `observer`'s view as last read (empty when it is down). */
  view(observer: NodeId): ReadonlyMap<NodeId, Update> {
    return this.views.get(observer)?.view ?? new Map();
  }

  statusOf(observer: NodeId, member: NodeId): MemberStatus | undefined {
    return this.view(observer).get(member)?.status;
  }

  /** Live members whose view is not yet "every live member alive, every down member dead" (dead or absent for never-joined). */
  unconverged(): NodeId[] {
    const live = this.sim.nodeIds.filter((n) => !this.isDown(n));
    return live.filter((o) => {
      const v = this.view(o);
      for (const m of this.sim.nodeIds) {
        const s = v.get(m)?.status;
        if (this.isDown(m) ? s !== "dead" && s !== undefined : s !== "alive") return true;
      }
      return false;
    });
  }

  poll(): void {
    const t = this.sim.now;
    // Every member's own incarnation first: news about an earlier one is stale, not a mistake.
    const polled: Array<[NodeId, SwimHook, Map<NodeId, Update>, Map<NodeId, Update>]> = [];
    for (const [observer, node] of this.sim.liveNodes<SwimHook>()) {
      const before = this.views.get(observer);
      const old = before && before.instance === node ? before.view : new Map<NodeId, Update>();
      const now = new Map<NodeId, Update>();
      for (const u of node.view())
        now.set(u.member, { member: u.member, status: u.status, incarnation: u.incarnation });
      if (!this.hookMismatch) {
        // The same node, the same step: suspected() lists exactly the members view() does not hold alive.
        const view = [...now.values()]
          .filter((u) => u.status !== "alive")
          .map((u) => u.member)
          .sort();
        const says = node.suspected?.() ?? [];
        if (says.length !== view.length || says.some((m, i) => m !== view[i]))
          this.hookMismatch = { t, observer, says: [...says], view };
      }
      const self = now.get(observer);
      if (self) this.incarnations.set(observer, Math.max(this.incarnations.get(observer) ?? 0, self.incarnation));
      polled.push([observer, node, old, now]);
    }
    for (const [observer, node, old, now] of polled) {
      for (const [member, u] of now) {
        if (member === observer) continue;
        const o = old.get(member);
        if (o && o.status === u.status && o.incarnation === u.incarnation) continue;
        if (o && u.incarnation < o.incarnation)
          this.regressions.push({
            t,
            observer,
            member,
            status: u.status,
            incarnation: u.incarnation,
            was: o.incarnation,
          });
        this.changed({ t, observer, member, status: u.status, incarnation: u.incarnation }, o?.status);
      }
      this.views.set(observer, { instance: node, view: now });
    }
  }

  private changed(e: ViewEvent, was: MemberStatus | undefined): void {
    const key = `${e.observer}>${e.member}`;
    if (this.isDown(e.member)) {
      if (e.status === "alive" && this.buried.has(key)) this.resurrections.push(e);
      if (e.status !== "alive") this.buried.add(key);
      const at = this.pending.get(key);
      if (e.status === "dead" && at !== undefined) {
        this.pending.delete(key);
        this.detections.push(e.t - at);
      }
      return;
    }
    if (this.cut(e.observer, e.member)) return;
    // About an earlier incarnation of a member that has since refuted or restarted: late news, already overridden.
    if (e.incarnation < (this.incarnations.get(e.member) ?? 0)) return;
    if (e.status === "suspect" && was !== "suspect") this.falseSuspicions.push(e);
    if (e.status === "dead" && was !== "dead") this.falseDeaths.push(e);
  }
}

/** The first few events, readable. */
export function describeEvents(es: readonly ViewEvent[], n = 3): string {
  return es
    .slice(0, n)
    .map((e) => `${e.observer} marked ${e.member} ${e.status} (incarnation ${e.incarnation}) at t=${e.t} ms`)
    .join("; ");
}
