/**
 * Joining JSON grade reports (`faultline grade --format json`) into one run: the shards of a
 * sharded grade (`--shard k/n` on n machines) become the run they split, test by test, and
 * reports of different labs sit side by side. The result renders like any run: table,
 * Gradescope, JUnit, JSON.
 */
import type {
  JsonLab,
  JsonSeed,
  JsonTest,
  LabReport,
  ScenarioResult,
  ScenarioStatus,
  SeedResult,
  Shard,
} from "@faultline/grading";
import { parseShard } from "@faultline/grading";

export const JSON_REPORT_FORMAT = "faultline-grades/1";

/** A report file that cannot be merged: the message says which file and why. */
export class MergeError extends Error {}

/** The lab reports of one `--format json` file, as the grade that wrote it had them. */
export function readJsonReport(text: string, file: string): LabReport[] {
  let doc: { format?: unknown; labs?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new MergeError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (doc.format !== JSON_REPORT_FORMAT || !Array.isArray(doc.labs))
    throw new MergeError(
      `${file} is not a faultline JSON report (expected "format": "${JSON_REPORT_FORMAT}", written by grade --format json)`,
    );
  return (doc.labs as JsonLab[]).map((l) => labFromJson(l, file));
}

function labFromJson(l: JsonLab, file: string): LabReport {
  let shard: Shard | undefined;
  if (l.shard !== undefined) {
    const s = parseShard(l.shard);
    if ("error" in s) throw new MergeError(`${file}: lab ${l.lab} has a bad shard "${l.shard}"`);
    shard = s;
  }
  return {
    lab: l.lab,
    title: l.title,
    parts: Object.fromEntries(l.parts.map((p) => [p.part, p.title])),
    impl: l.impl,
    results: l.tests.map((t) => testFromJson(l, t)),
    wallMs: l.wallMs,
    ...(l.seeds ? { seeds: l.seeds } : {}),
    ...(shard ? { shard } : {}),
  };
}

function seedFromJson(s: JsonSeed): SeedResult {
  return {
    seed: s.seed,
    status: s.status,
    traceHash: s.traceHash,
    virtualMs: s.virtualMs,
    wallMs: s.wallMs,
    events: s.events,
    metrics: s.metrics ?? [],
    logs: [],
    ...(s.shown ? { shown: s.shown } : {}),
    traceFiles: [],
  };
}

function testFromJson(l: JsonLab, t: JsonTest): ScenarioResult {
  const seeds = t.seeds.map(seedFromJson);
  const ff = t.firstFailure;
  const firstFailure = ff
    ? {
        ...(seeds.find((s) => s.seed === ff.seed) ??
          seedFromJson({ seed: ff.seed, status: ff.status, virtualMs: 0, wallMs: 0, events: 0, traceHash: "" })),
        status: ff.status,
        ...(ff.failure ? { failure: ff.failure } : {}),
        traceFiles: ff.traceFiles,
        ...(ff.nodeLogs ? { nodeLogs: ff.nodeLogs } : {}),
      }
    : undefined;
  return {
    lab: l.lab,
    part: t.part,
    name: t.name,
    points: t.points,
    earned: t.earned,
    status: t.status,
    hidden: t.hidden,
    bonus: t.bonus,
    seeds,
    ...(firstFailure ? { firstFailure } : {}),
    ...(t.replay ? { replay: t.replay } : {}),
    hint: t.hint,
    impl: l.impl,
    ...(t.nondeterminism ? { nondeterminism: t.nondeterminism } : {}),
    wallMs: t.wallMs,
    virtualMs: t.virtualMs,
  };
}

/**
 * One report per lab. The shards of a lab must all be there (1..n of the same n, one each, the
 * same implementation); a lab graded without shards may appear once.
 */
export function mergeReports(inputs: ReadonlyArray<{ file: string; reports: LabReport[] }>): LabReport[] {
  const byLab = new Map<string, Array<{ file: string; rep: LabReport }>>();
  for (const { file, reports } of inputs)
    for (const rep of reports) byLab.set(rep.lab, [...(byLab.get(rep.lab) ?? []), { file, rep }]);
  return [...byLab.entries()].map(([lab, entries]) => mergeLab(lab, entries));
}

function mergeLab(lab: string, entries: Array<{ file: string; rep: LabReport }>): LabReport {
  const files = (xs: typeof entries) => xs.map((e) => e.file).join(", ");
  const unsharded = entries.filter((e) => !e.rep.shard);
  if (unsharded.length > 0) {
    if (entries.length > 1)
      throw new MergeError(
        `${lab} is in more than one report (${files(entries)}) and ${files(unsharded)} is not a shard: give each lab once, or every shard of a sharded grade`,
      );
    return unsharded[0]!.rep;
  }
  const count = entries[0]!.rep.shard!.count;
  const odd = entries.find((e) => e.rep.shard!.count !== count);
  if (odd)
    throw new MergeError(
      `${lab}: ${odd.file} is a shard of ${odd.rep.shard!.count}, ${entries[0]!.file} of ${count}: shards of one run share n`,
    );
  for (let k = 1; k <= count; k++) {
    const these = entries.filter((e) => e.rep.shard!.index === k);
    if (these.length === 0)
      throw new MergeError(
        `${lab}: shard ${k}/${count} is missing (have ${entries.map((e) => `${e.rep.shard!.index}/${count} in ${e.file}`).join(", ")})`,
      );
    if (these.length > 1) throw new MergeError(`${lab}: shard ${k}/${count} is given twice (${files(these)})`);
  }
  const impls = [...new Set(entries.map((e) => e.rep.impl))];
  if (impls.length > 1)
    throw new MergeError(`${lab}: the shards graded different implementations (${impls.join(", ")})`);
  const sorted = [...entries].sort((a, b) => a.rep.shard!.index - b.rep.shard!.index);
  const names = testOrder(sorted.map((e) => e.rep.results.map((r) => r.name)));
  const results = names.map((name) =>
    mergeTest(sorted.flatMap((e) => e.rep.results.filter((r) => r.name === name).map((r) => ({ file: e.file, r })))),
  );
  const first = sorted[0]!.rep;
  return {
    lab,
    title: first.title,
    parts: Object.assign({}, ...sorted.map((e) => e.rep.parts)) as Record<string, string>,
    impl: first.impl,
    results,
    wallMs: sorted.reduce((a, e) => a + e.rep.wallMs, 0),
    ...(first.seeds ? { seeds: first.seeds } : {}),
  };
}

/**
 * The grader's test order from the shards' lists: each is that order with some tests left
 * out, so their union ordered by "comes before in some list" is the order (ties: first seen).
 */
export function testOrder(lists: readonly string[][]): string[] {
  const seen: string[] = [];
  const after = new Map<string, Set<string>>();
  for (const list of lists) {
    list.forEach((name, i) => {
      if (!after.has(name)) {
        after.set(name, new Set());
        seen.push(name);
      }
      if (i > 0) after.get(name)!.add(list[i - 1]!);
    });
  }
  const out: string[] = [];
  const placed = new Set<string>();
  while (out.length < seen.length) {
    const next =
      seen.find((n) => !placed.has(n) && [...after.get(n)!].every((p) => placed.has(p))) ??
      seen.find((n) => !placed.has(n))!;
    placed.add(next);
    out.push(next);
  }
  return out;
}

/** One test from its shards: every seed once, scored as gradeScenario scores a whole run. */
function mergeTest(parts: Array<{ file: string; r: ScenarioResult }>): ScenarioResult {
  const first = parts[0]!.r;
  // An implementation that does not load fails every shard the same way: report it once.
  const broken = parts.find((p) => p.r.status === "error");
  if (broken) return broken.r;
  const owner = new Map<number, string>();
  for (const { file, r } of parts) {
    for (const s of r.seeds) {
      const other = owner.get(s.seed);
      if (other !== undefined)
        throw new MergeError(
          `${first.lab} "${first.name}": seed ${s.seed} is in ${other} and in ${file} (shards of different runs?)`,
        );
      owner.set(s.seed, file);
    }
  }
  const seeds = parts.flatMap((p) => p.r.seeds).sort((a, b) => a.seed - b.seed);
  const lowest = <T extends { seed: number }>(xs: T[]) => xs.sort((a, b) => a.seed - b.seed)[0];
  const firstBad = lowest(parts.flatMap((p) => (p.r.firstFailure ? [{ seed: p.r.firstFailure.seed, r: p.r }] : [])));
  const nondeterminism = lowest(parts.flatMap((p) => (p.r.nondeterminism ? [p.r.nondeterminism] : [])));
  const failures = seeds.filter((s) => s.status !== "pass");
  const status: ScenarioStatus =
    failures.length === 0 && !nondeterminism
      ? seeds.length > 0
        ? "pass"
        : "fail"
      : failures.length > 0 && failures.every((s) => s.status === "not-started")
        ? "not-started"
        : "fail";
  const { firstFailure: _ff, replay: _replay, nondeterminism: _nd, ...rest } = first;
  return {
    ...rest,
    status,
    earned: status === "pass" ? first.points : 0,
    seeds,
    ...(firstBad?.r.firstFailure
      ? { firstFailure: firstBad.r.firstFailure, ...(firstBad.r.replay ? { replay: firstBad.r.replay } : {}) }
      : {}),
    ...(nondeterminism ? { nondeterminism } : {}),
    wallMs: parts.reduce((a, p) => a + p.r.wallMs, 0),
    virtualMs: parts.reduce((a, p) => a + p.r.virtualMs, 0),
  };
}
