/**
 * Messages on the simulated wire. At send, a message is copied into a frozen canonical form
 * (validated as plain JSON data and hashed in the same walk); every delivery gets its own
 * mutable copy of it. The effect is a JSON round trip (mutation after send changes nothing in
 * flight; the receiver owns what it gets) at a fraction of the cost, and data that would not
 * survive a real socket (a Map, a class instance, NaN) is refused at the send that contains it.
 */

const MAX_DEPTH = 64;

export class MessageShapeError extends TypeError {
  constructor(what: string, path: string) {
    super(
      `message contains ${what} at ${path || "the top level"}; messages must be plain JSON data (objects, arrays, strings, finite numbers, booleans, null)`,
    );
    this.name = "MessageShapeError";
  }
}

let hash = 0;

function mixString(s: string): void {
  let h = hash ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  hash = h;
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined (in an array)";
  if (typeof v === "function") return "a function";
  if (typeof v === "bigint") return "a bigint";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "number") return String(v);
  const ctor = (v as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `a ${ctor}` : "an object with a custom prototype";
}

function freezeCopy(v: unknown, path: string, depth: number): unknown {
  switch (typeof v) {
    case "string":
      mixString(v);
      return v;
    case "number":
      if (!Number.isFinite(v)) throw new MessageShapeError(describe(v), path);
      hash = Math.imul(hash ^ (v | 0) ^ Math.floor(v * 4096), 0x5bd1e995);
      return v;
    case "boolean":
      hash = Math.imul(hash ^ (v ? 0x51 : 0x52), 0x01000193);
      return v;
    case "object": {
      if (v === null) {
        hash = Math.imul(hash ^ 0x53, 0x01000193);
        return null;
      }
      if (depth > MAX_DEPTH) throw new MessageShapeError(`more than ${MAX_DEPTH} levels of nesting (a cycle?)`, path);
      if (Array.isArray(v)) {
        hash = Math.imul(hash ^ 0x5b ^ v.length, 0x01000193);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (x === undefined) throw new MessageShapeError(describe(x), `${path}[${i}]`);
          out[i] = freezeCopy(x, `${path}[${i}]`, depth + 1);
        }
        return Object.freeze(out);
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new MessageShapeError(describe(v), path);
      const out: Record<string, unknown> = {};
      hash = Math.imul(hash ^ 0x7b, 0x01000193);
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue; // JSON drops undefined properties; so do we
        mixString(k);
        out[k] = freezeCopy(x, `${path}.${k}`, depth + 1);
      }
      return Object.freeze(out);
    }
    default:
      throw new MessageShapeError(describe(v), path);
  }
}

/** The frozen canonical copy of a message and its content hash. Throws MessageShapeError. */
export function freezeMessage(msg: unknown): { frozen: unknown; hash: number } {
  hash = 0x811c9dc5;
  const frozen = freezeCopy(msg, "", 0);
  return { frozen, hash: hash >>> 0 };
}

/** A fresh, mutable deep copy of a frozen canonical message (what the receiver gets). */
export function thawMessage<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = thawMessage(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = thawMessage((v as Record<string, unknown>)[k]);
  return out as T;
}
