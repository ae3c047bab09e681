/**
 * What isolation costs (`pnpm bench`): message deliveries per CPU second on trivial nodes, with
 * the node in this process and with each node in its own `node:vm` context (JSON across), and
 * the cost of building a context (paid at every boot and restart).
 */
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { Simulation, type Node } from "@faultline/sim";
import { bundleImpl } from "../src/isolation/bundle.ts";
import { CompiledBundle, Realm } from "../src/isolation/realm.ts";
import { IsolatedImpl } from "../src/isolation/runtime.ts";
import { Echo } from "../../sim/bench/echo-node.ts";

const ECHO_DIR = fileURLToPath(new URL("../../sim/bench/", import.meta.url));

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
  `  a new context with the bundle: ${realmMs.toFixed(2)} ms; a pooled one, module evaluated afresh and reset: ${reusedMs.toFixed(2)} ms (each boot and restart)`,
);
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
