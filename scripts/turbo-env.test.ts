/**
 * turbo runs tasks in strict environment mode: a variable that is not declared in turbo.json
 * never reaches a package's tests. Every variable .ci/run sets for a test run must be passed
 * through, or CI silently runs something else than it says (the repeat Node lines once graded
 * every lab end to end and every pg-failover mutant because their settings were dropped). Every
 * FAULTLINE_* variable the code reads is either such a setting or one the runtime sets for its
 * own processes, which a shell's leftover value must not reach tests with.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const turbo = JSON.parse(readFileSync(join(root, "turbo.json"), "utf8")) as { globalPassThroughEnv?: string[] };
const passed = turbo.globalPassThroughEnv ?? [];
/** Set by the runtime and the CLI for the processes they start (and by tests for their fixtures). */
const INTERNAL = new Set([
  "FAULTLINE_IMPL",
  "FAULTLINE_ROOT",
  "FAULTLINE_RUNTIME_ROOT",
  "FAULTLINE_LEARNER_COPY",
  "FAULTLINE_NO_BUNDLE",
  "FAULTLINE_PGF_HOST",
  "FAULTLINE_IDEM_HOST",
  "FAULTLINE_REWRITE",
]);
const passes = (name: string) => passed.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === "node_modules" || e.startsWith(".")) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|mjs|js)$/.test(e)) out.push(p);
  }
  return out;
}

describe("turbo passes the settings through to the tasks", () => {
  it("every variable .ci/run sets in front of a command", () => {
    const ci = readFileSync(join(root, ".ci", "run"), "utf8");
    const set = new Set<string>();
    for (const line of ci.split("\n")) {
      if (line.trimStart().startsWith("#")) continue;
      for (const m of line.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=\S+(?=\s+(?:timed|with_node|pnpm)\b)/g))
        set.add(m[1] as string);
    }
    expect([...set]).toContain("FAULTLINE_PGF_COURSE");
    expect([...set].filter((v) => !passes(v))).toEqual([]);
  });

  it("every FAULTLINE_* variable the code reads is a setting passed through or the runtime's own", () => {
    const read = new Set<string>();
    for (const dir of ["shared", "graders", "labs"])
      for (const f of sources(join(root, dir)))
        for (const m of readFileSync(f, "utf8").matchAll(/process\.env\.(FAULTLINE_[A-Z0-9_]+)/g))
          read.add(m[1] as string);
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((v) => !passes(v) && !INTERNAL.has(v))).toEqual([]);
    expect([...INTERNAL].filter((v) => passes(v))).toEqual([]);
  });
});
