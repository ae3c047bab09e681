/**
 * Code in a `node:vm` context pays for every read of a global: the context's global object sits
 * behind Node's interceptors, so `undefined`, `Math` or `JSON` costs a call into C++ each time
 * (about 0.7 µs, some 40 times a local read, measured on Node 20). Code evaluated here therefore
 * runs inside a function whose parameters are the common globals, read once when it starts.
 * Writes still reach the real global through `globalThis`; the traps of the bootstrap are set
 * on the very objects passed in (Math.random) or installed before the learner's code starts
 * (Date, console), so the learner sees them either way.
 */
const LOCAL_GLOBALS = [
  "undefined",
  "NaN",
  "Infinity",
  "Object",
  "Array",
  "Function",
  "JSON",
  "Math",
  "Number",
  "String",
  "Boolean",
  "Symbol",
  "BigInt",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "Promise",
  "Reflect",
  "Proxy",
  "Date",
  "RegExp",
  "ArrayBuffer",
  "Uint8Array",
  "Int32Array",
  "Float64Array",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "console",
  "structuredClone",
  "Intl",
];

const PREFIX = `(function (${LOCAL_GLOBALS.join(", ")}) {`;
/** Not ECMAScript: present only once the bootstrap has defined them. */
const HOST_DEFINED = new Set(["console", "structuredClone"]);
const SUFFIX = `})(void 0, ${LOCAL_GLOBALS.slice(1)
  .map((g) => (HOST_DEFINED.has(g) ? `typeof ${g} === "undefined" ? void 0 : ${g}` : g))
  .join(", ")});`;

/**
 * `body` as a script whose reads of the common globals are local. The body starts on the
 * second line: compile it with `lineOffset: -1` so its line numbers stay its own.
 */
export function withLocalGlobals(body: string, epilogue = ""): string {
  return `${PREFIX}\n${body}\n;${epilogue}\n${SUFFIX}`;
}
