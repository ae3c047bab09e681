/**
 * What isolation costs (`pnpm bench`): message deliveries per CPU second on trivial nodes, with
 * the node in this process and with each node in its own `node:vm` context (JSON across), the
 * floor the boundary's contract sets (the simulator's own work on the text path plus the JSON
 * of one delivery, each measured alone), and the cost of building a context (paid at every
 * boot and restart).
 */
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { Simulation, type Env, type Node, type NodeId } from "@faultline/sim";
import { bundleImpl } from "../src/isolation/bundle.ts";
import { CompiledBundle, Realm } from "../src/isolation/realm.ts";
import { IsolatedImpl } from "../src/isolation/runtime.ts";
import { Echo } from "../../sim/bench/echo-node.ts";

const ECHO_DIR = fileURLToPath(new URL("../../sim/bench/", import.meta.url));

/** Echo on the text path: what a context node's host side would be if crossing were free. */
class TextEcho {
  private env!: Env<unknown> & { sendText(to: NodeId, text: string): void };
  start(env: Env<unknown>): void {
    this.env = env as Env<unknown> & { sendText(to: NodeId, text: string): void };
    if (env.id === "n1") for (let i = 0; i < 64; i++) this.env.sendText("n2", `{"type":"p","n":${i}}`);
  }
  onMessageText(from: NodeId, text: string): void {
    this.env.sendText(from, text);
  }
  onMessage(): void {
    throw new Error("TextEcho takes messages as text");
  }
  onTimer(): void {}
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function perCpuSecond(
  factory: () => Node<unknown>,
  wrap: (f: () => Node<unknown>) => (id: string) => Node<unknown>,
): Promise<number> {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const sim = new Simulation<unknown>({
      seed: round + 1,
      nodes: 2,
      factory: wrap(factory),
      trace: "off",
      maxEvents: 1e8,
      faults: { delay: { kind: "uniform", min: 1, max: 3 } },
    });
    const c0 = cpuSeconds();
    await sim.runFor(100_000);
    best = Math.max(best, sim.stats.delivered / (cpuSeconds() - c0));
  }
  return best;
}

const b = await bundleImpl({
  entry: `${ECHO_DIR}echo-node.ts`,
  allowedRoots: [ECHO_DIR, fileURLToPath(new URL("../../sim/src/", import.meta.url))],
  displayRoot: ECHO_DIR,
});
const compiled = new CompiledBundle(b.code, "faultline:bench");
const iso = new IsolatedImpl(compiled);
const EchoInContext = () => new (iso.impl.Echo as new () => Node<unknown>)();

const bare = await perCpuSecond(
  () => new Echo() as Node<unknown>,
  (f) => () => f(),
);
const isolated = await perCpuSecond(EchoInContext, (f) => iso.wrapFactory(f));
// The simulator's share under the contract: a node that takes each message as JSON text and
// sends the same text back, with no context and no JSON (what the simulator does per delivery
// for a node in a context, and nothing else).
const textOnly = await perCpuSecond(
  () => new TextEcho() as unknown as Node<unknown>,
  (f) => () => f(),
);
// A new context (what every boot and restart paid before contexts were pooled), then the
// same number of node incarnations served from the pool (taken, module evaluated, reset).
const N = 200;
const fresh = new CompiledBundle(b.code, "faultline:bench-fresh");
const t0 = performance.now();
const built: Realm[] = [];
for (let i = 0; i < N; i++) built.push(new Realm(fresh, { label: "bench" }));
const realmMs = (performance.now() - t0) / N;
for (const r of built.splice(0, 1)) r.retire();
const t1 = performance.now();
for (let i = 0; i < N; i++) new Realm(fresh, { label: "bench" }).retire();
const reusedMs = (performance.now() - t1) / N;

// The floor the contract sets: a message crosses as JSON text, so each delivery parses one
// message and stringifies one reply inside the context, whatever the simulator costs.
function jsonFloorNs(): number {
  const call = vm.runInContext(
    `(() => { const parse = JSON.parse, stringify = JSON.stringify;
      return (to, text) => "s" + stringify(to) + stringify(parse(text)); })()`,
    vm.createContext({}),
  ) as (to: string, text: string) => string;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const n = 1_000_000;
    let chars = 0;
    const c0 = cpuSeconds();
    for (let i = 0; i < n; i++) chars += call("n2", `{"type":"p","n":${i & 63}}`).length;
    best = Math.min(best, ((cpuSeconds() - c0) / n) * 1e9);
    if (chars === 0) throw new Error("unreachable");
  }
  return best;
}
const floorNs = jsonFloorNs();

// The same crossing if messages were copied as objects instead of JSON text (a change of the
// contract, measured to weigh it): the sender's context copies the message into plain data,
// the receiver's context copies that into its own objects.
function objectCopyFloorNs(): number {
  const copier = `(() => { const isArray = Array.isArray, keys = Object.keys;
    const copy = (v) => { if (v === null || typeof v !== "object") return v;
      if (isArray(v)) { const o = new Array(v.length); for (let i = 0; i < v.length; i++) o[i] = copy(v[i]); return o; }
      const o = {}; for (const k of keys(v)) o[k] = copy(v[k]); return o; };
    return copy; })()`;
  const send = vm.runInContext(copier, vm.createContext({})) as (v: unknown) => unknown;
  const receive = vm.runInContext(copier, vm.createContext({})) as (v: unknown) => unknown;
  const msgs = vm.runInContext(
    `Array.from({ length: 64 }, (_, n) => ({ type: "p", n }))`,
    vm.createContext({}),
  ) as unknown[];
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const n = 1_000_000;
    let k = 0;
    const c0 = cpuSeconds();
    for (let i = 0; i < n; i++) if (receive(send(msgs[i & 63])) !== null) k++;
    best = Math.min(best, ((cpuSeconds() - c0) / n) * 1e9);
    if (k === 0) throw new Error("unreachable");
  }
  return best;
}
const copyNs = objectCopyFloorNs();
const simTextNs = 1e9 / textOnly;

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M`;
console.log("isolation: deliveries per CPU second on trivial nodes (best of 3)");
console.log(`  node in this process        ${fmt(bare)}/s`);
console.log(
  `  node in its own vm context  ${fmt(isolated)}/s  (${(bare / isolated).toFixed(1)}x the cost per delivery; target >= 1 M/s)`,
);
console.log(
  `  JSON alone (parse the message, stringify the reply, in a context): ${floorNs.toFixed(0)} ns per delivery, at most ${fmt(1e9 / floorNs)}/s with no simulator at all`,
);
console.log(
  `  the simulator alone on the text path (no context, no JSON): ${simTextNs.toFixed(0)} ns per delivery (${fmt(textOnly)}/s)`,
);
console.log(
  `  the contract's floor (simulator + JSON, crossing free): ${fmt(1e9 / (simTextNs + floorNs))}/s; with messages copied as objects instead of JSON text (${copyNs.toFixed(0)} ns): ${fmt(1e9 / (simTextNs + copyNs))}/s`,
);
console.log(
  `  a new context with the bundle: ${realmMs.toFixed(2)} ms; a pooled one, module evaluated afresh and reset: ${reusedMs.toFixed(2)} ms (each boot and restart)`,
);
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
