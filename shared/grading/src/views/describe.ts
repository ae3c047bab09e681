/** One-line descriptions of trace events, shared by the text and HTML views. */
import type { EventKind, TraceEvent, TraceFile } from "@faultline/sim";

export const EVENT_KINDS: readonly EventKind[] = [
  "start",
  "send",
  "deliver",
  "drop",
  "duplicate",
  "timer",
  "crash",
  "restart",
  "pause",
  "resume",
  "net",
  "clock",
  "log",
  "fail",
  "client",
];

export function isEventKind(s: string): s is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(s);
}

export function clip(s: string, max: number): string {
  if (max <= 0) return "";
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** What happened, from the point of view of the event's node. */
export function describeEvent(e: TraceEvent, payloadChars = 120): string {
  const id = e.msgId !== undefined ? ` #${e.msgId}` : "";
  const payload = e.payload !== undefined ? ` ${clip(e.payload, payloadChars)}` : "";
  switch (e.kind) {
    case "send":
      return `→ ${e.peer ?? "?"}${id}${payload}`;
    case "deliver":
      return `← ${e.peer ?? "?"}${id}${payload}`;
    case "drop":
      return `✗ drop${id} from ${e.peer ?? "?"}${e.text ? ` (${e.text})` : ""}`;
    case "duplicate":
      return `+ duplicate${id} → ${e.peer ?? "?"}${e.text ? ` ${e.text}` : ""}`;
    case "timer":
      return `timer ${e.tag ?? ""}`.trimEnd();
    case "fail":
      return `FAIL ${e.text ?? ""}`.trimEnd();
    case "start":
      return e.text === "restart" ? "start(env) after restart" : "start(env)";
    default:
      return e.text ?? e.kind;
  }
}

/**
 * What the node reported after the event, from its lab's hooks: `term=3 role=leader`
 * (empty when the event ran no handler or the lab declares no hooks).
 */
export function describeState(e: Pick<TraceEvent, "state">, maxChars = 80): string {
  const s = e.state;
  if (!s) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s)) parts.push(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return clip(parts.join(" "), maxChars);
}

/** Where the violation sits in the stored events: index into `events`, or -1. */
export function violationPosition(trace: Pick<TraceFile, "events" | "violation">): number {
  const v = trace.violation;
  const ev = trace.events;
  if (!v || ev.length === 0) return -1;
  if (v.eventIndex !== undefined) {
    const k = ev.findIndex((e) => e.i >= (v.eventIndex as number));
    if (k >= 0) return ev[k]?.i === v.eventIndex ? k : Math.max(0, k - 1);
  }
  // The simulator writes "VIOLATION <invariant>: ..." or a "fail" event when it stops a run.
  for (let k = ev.length - 1; k >= 0; k--) {
    const e = ev[k] as TraceEvent;
    if (e.t > v.t) continue;
    if ((e.kind === "log" && e.text?.startsWith("VIOLATION ")) || (e.kind === "fail" && (!v.node || e.node === v.node)))
      return k;
    if (e.t < v.t) break;
  }
  let last = -1;
  for (let k = 0; k < ev.length; k++) if ((ev[k] as TraceEvent).t <= v.t) last = k;
  return last >= 0 ? last : ev.length - 1;
}
