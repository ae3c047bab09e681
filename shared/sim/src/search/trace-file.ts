/**
 * A counterexample as a simulator trace file, so the existing text and HTML space-time views
 * show it: one event per millisecond of made-up time, sends linked to their deliveries.
 */
import type { NodeId } from "../types.ts";
import type { TraceEvent, TraceFile } from "../trace.ts";
import { type Counterexample, replayEvents, type SearchConfig } from "./engine.ts";
import type { Effect, InFlight } from "./world.ts";

export function counterexampleTrace<S>(
  config: SearchConfig<S>,
  c: Counterexample,
  clients: readonly NodeId[] = [],
): TraceFile {
  const r = replayEvents(config, c.events);
  const events: TraceEvent[] = [];
  const inFlight: Array<InFlight & { msgId: number }> = [];
  let msgId = 0;
  const push = (e: Omit<TraceEvent, "i">) => events.push({ i: events.length, ...e });
  const sends = (node: NodeId, t: number, fx: readonly Effect[]) => {
    for (const f of fx) {
      if (f.kind === "send") {
        const id = ++msgId;
        inFlight.push({ from: node, to: f.to, text: f.text, msgId: id });
        push({ t, kind: "send", node, peer: f.to, msgId: id, payload: f.text });
      } else if (f.kind === "log") push({ t, kind: "log", node, text: f.text });
    }
  };
  const take = (m: InFlight, keep: boolean): number | undefined => {
    const i = inFlight.findIndex((x) => x.from === m.from && x.to === m.to && x.text === m.text);
    if (i < 0) return undefined;
    const id = (inFlight[i] as { msgId: number }).msgId;
    if (!keep) inFlight.splice(i, 1);
    return id;
  };
  const clientSends = (t: number, ms: readonly InFlight[]) => {
    for (const m of ms) {
      const id = ++msgId;
      inFlight.push({ ...m, msgId: id });
      push({ t, kind: "send", node: m.from, peer: m.to, msgId: id, payload: m.text });
    }
  };
  clientSends(0, [...(config.initial ?? []), ...(r.clientSends[0] ?? [])]);
  config.nodes.forEach((id, k) => {
    push({ t: 0, kind: "start", node: id });
    sends(id, 0, r.boots[k] ?? []);
  });
  c.events.forEach((e, k) => {
    const t = k + 1;
    const fx = r.effects[k] ?? [];
    // A scripted client sends its next request right after the event that brought its answer.
    const next = () => clientSends(t, r.clientSends[k + 1] ?? []);
    switch (e.kind) {
      case "deliver": {
        const id = take(e, e.keep === true);
        push({
          t,
          kind: "deliver",
          node: e.to,
          peer: e.from,
          ...(id !== undefined ? { msgId: id } : {}),
          payload: e.text,
          ...(e.keep ? { text: "a copy stays in flight" } : {}),
        });
        sends(e.to, t, fx);
        next();
        break;
      }
      case "drop": {
        const id = take(e, false);
        push({
          t,
          kind: "drop",
          node: e.from,
          peer: e.to,
          ...(id !== undefined ? { msgId: id } : {}),
          payload: e.text,
          text: "loss",
        });
        break;
      }
      case "timer":
        push({ t, kind: "timer", node: e.node, tag: e.tag });
        sends(e.node, t, fx);
        next();
        break;
      case "crash":
        push({ t, kind: "crash", node: e.node });
        break;
      case "restart":
        push({ t, kind: "restart", node: e.node });
        sends(e.node, t, fx);
        next();
        break;
    }
  });
  const t = c.events.length;
  return {
    format: "faultline-trace/1",
    seed: 0,
    nodes: [...config.nodes],
    clients: [...clients],
    endpoints: [...config.nodes, ...clients],
    hash: "search",
    eventCount: events.length,
    truncated: false,
    ...(c.kind === "violation"
      ? { violation: { invariant: c.name, message: c.message, t, eventIndex: events.length - 1 } }
      : {}),
    events,
  };
}
