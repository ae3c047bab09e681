/**
 * A handler probe in shared memory: the worker writes which node handler is running and since
 * which virtual time; the parent's watchdog reads it to report an endless loop precisely.
 * Layout (bytes): [0..4) state (0 idle, 1 in handler), [4..8) entry counter, [8..12) text
 * length, [16..24) virtual time, [64..) UTF-8 description.
 */
import type { HandlerProbe } from "@faultline/sim";

export const PROBE_BYTES = 1024;
const TEXT_AT = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function probeWriter(sab: SharedArrayBuffer): HandlerProbe {
  const i32 = new Int32Array(sab, 0, 4);
  const f64 = new Float64Array(sab, 16, 1);
  const bytes = new Uint8Array(sab, TEXT_AT);
  let lastText = "";
  return {
    enter(node, handler, t) {
      const text = `${node} did not return from ${handler}`;
      if (text !== lastText) {
        const { written } = encoder.encodeInto(text, bytes);
        Atomics.store(i32, 2, written ?? 0);
        lastText = text;
      }
      f64[0] = t;
      Atomics.add(i32, 1, 1);
      Atomics.store(i32, 0, 1);
    },
    exit() {
      Atomics.store(i32, 0, 0);
    },
  };
}

export interface ProbeReading {
  inHandler: boolean;
  counter: number;
  text: string;
  t: number;
}

export function readProbe(sab: SharedArrayBuffer): ProbeReading {
  const i32 = new Int32Array(sab, 0, 4);
  const len = Atomics.load(i32, 2);
  return {
    inHandler: Atomics.load(i32, 0) === 1,
    counter: Atomics.load(i32, 1),
    t: new Float64Array(sab, 16, 1)[0] as number,
    text: decoder.decode(new Uint8Array(sab, TEXT_AT, len).slice()),
  };
}
