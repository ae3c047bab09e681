/**
 * The exhaustive search's host for learner code: each node has one `node:vm` context for the
 * whole search, holding every state of that node the search keeps (as handles). A handler runs
 * in the context on a copy of the state it starts from, and states are fingerprinted there
 * too: only JSON text and handles cross (see searchCall in bootstrap.ts).
 *
 * One context per node, not per incarnation: module-level variables are not node state under
 * the copyable-state rule, and a search would share them between its branches.
 */
import {
  hashString,
  type Effect,
  type HandlerResult,
  type NodeId,
  type PendingHandles,
  type SearchHost,
} from "@faultline/sim";
import type { Realm } from "./realm.ts";
import type { IsolatedImpl } from "./runtime.ts";

/** A node's state in a search over learner code: a handle in the node's context, and its disk. */
export interface ContextState {
  readonly h: number;
  readonly disk: ReadonlyMap<string, string>;
  /** The fingerprint, once computed (states never change). */
  fp?: string;
}

const RECORD = "\u0001";
const FIELD = "\u0002";
const PART = "\u0003";

function parseEffects(text: string): Effect[] {
  const out: Effect[] = [];
  if (text.length === 0) return out;
  for (const rec of text.split(RECORD)) {
    const f = rec.split(FIELD);
    switch (rec.charCodeAt(0)) {
      case 115 /* s */:
        out.push({ kind: "send", to: JSON.parse(f[1] as string) as string, text: f.slice(2).join(FIELD) });
        break;
      case 116 /* t */:
        out.push({ kind: "timer", handle: Number(f[1]), ms: Number(f[2]), tag: f.slice(3).join(FIELD) });
        break;
      case 99 /* c */:
        out.push({ kind: "cancel", handle: Number(f[1]) });
        break;
      case 119 /* w */:
        out.push({ kind: "write", key: JSON.parse(f[1] as string) as string, text: f.slice(2).join(FIELD) });
        break;
      case 100 /* d */:
        out.push({ kind: "delete", key: JSON.parse(f[1] as string) as string });
        break;
      case 121 /* y */:
        out.push({ kind: "sync" });
        break;
      case 108 /* l */:
        out.push({ kind: "log", text: JSON.parse(f[1] as string) as string });
        break;
    }
  }
  return out;
}

export function contextSearchHost(
  impl: IsolatedImpl,
  nodes: readonly NodeId[],
  factory: (id: NodeId) => unknown,
): SearchHost<ContextState> {
  const realms = new Map<NodeId, Realm>();
  const peersOf = (id: NodeId) => nodes.filter((n) => n !== id);
  const realmOf = (id: NodeId): Realm => {
    let r = realms.get(id);
    if (!r) {
      r = impl.nodeRealm(id);
      realms.set(id, r);
    }
    return r;
  };
  const fail = (realm: Realm, text: string): never => {
    const w = JSON.parse(text.slice(1)) as { name: string; message: string; stack: string };
    throw realm.learnerError(w);
  };
  const fingerprint = (id: NodeId, s: ContextState, opaque?: boolean): string => {
    if (s.fp === undefined) {
      const realm = realmOf(id);
      const req = JSON.stringify({ id, peers: peersOf(id), ...(opaque ? { opaque: true } : {}) });
      const out = realm.searchCall("fp", s.h, req, "a state copy by the search");
      if (out.charCodeAt(0) !== 70 /* F */) fail(realm, out);
      s.fp = `${out.slice(1)}|${[...s.disk].sort().join(";")}`;
    }
    return s.fp;
  };
  const call = (
    id: NodeId,
    op: "boot" | "msg" | "timer",
    h: number,
    req: Record<string, unknown>,
    disk: ReadonlyMap<string, string>,
    pending: PendingHandles,
    seed: number | undefined,
  ): HandlerResult<ContextState> => {
    const realm = realmOf(id);
    const text = JSON.stringify({ id, peers: peersOf(id), disk: [...disk], pending: [...pending], seed, ...req });
    const out = realm.searchCall(op, h, text, op === "boot" ? "start(env)" : op === "msg" ? "onMessage" : "onTimer");
    if (out.charCodeAt(0) === 69 /* E */) fail(realm, out);
    const a = out.indexOf(PART);
    const b = out.lastIndexOf(PART);
    const effects = parseEffects(out.slice(a + 1, b));
    // The disk the node sees after the handler: what it wrote or deleted, synced or not.
    const next = new Map(disk);
    for (const e of effects) {
      if (e.kind === "write") next.set(e.key, e.text);
      else if (e.kind === "delete") next.delete(e.key);
    }
    const state: ContextState = { h: Number(out.slice(0, a)), disk: next };
    const err = b + 1 < out.length ? realm.learnerError(JSON.parse(out.slice(b + 1))) : undefined;
    return { state, effects, ...(err ? { error: err } : {}) };
  };
  return {
    boot(id, _peers, disk, pending) {
      const realm = realmOf(id);
      const h = impl.buildIn(realm, id, factory);
      return call(id, "boot", h, {}, disk, pending, hashString(`boot:${id}:${[...disk].join(";")}`));
    },
    // env.random() of a delivery or a timer is seeded in the context, from the state and the
    // event; in place (a state rebuilt by replay), by the seed the replay gives.
    deliver: (id, state, from, text, pending, inPlace) =>
      call(
        id,
        "msg",
        state.h,
        { from, msg: text, ...(inPlace ? { inPlace: true } : {}) },
        state.disk,
        pending,
        inPlace?.seed,
      ),
    fire: (id, state, tag, pending, inPlace) =>
      call(id, "timer", state.h, { tag, ...(inPlace ? { inPlace: true } : {}) }, state.disk, pending, inPlace?.seed),
    fingerprint,
    view: (id, s) => realmOf(id).objectProxy(s.h),
  };
}
