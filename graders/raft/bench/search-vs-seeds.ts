/**
 * What search buys (ADR 0006): for developer mutants, the states a search test explores and its
 * wall time to the first violation, next to the random seeds (and their wall time) the run tests
 * need to catch the same mutant. Seeds count in order, as a learner's run meets them: fixed
 * seeds 1..N (what `faultline grade` runs) and N fresh seeds from a random base. The wall time
 * to catch is the sum of the seeds' own wall times up to the first failing one (one seed after
 * another); the search's is its one seed's (loading the nodes included). Next to the search's
 * counterexample length, the run test's failing trace length in events.
 *
 *   pnpm --filter @faultline/grader-raft bench:search [--seeds N] [--quick]
 *
 * --quick: 5 seeds, and only the first run test of each mutant. bench/run.ts runs it last.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { gradeScenario, loadGrader, quickBench, WorkerPool, type ScenarioResult } from "@faultline/grading";

const A_SEARCH = "search: two candidates never both win term 1";
const B_SEARCH = "search: logs agree across two terms with one command";
const PART_A_RUN = [
  "initial election",
  "re-election after leader loss",
  "many elections with random disconnections",
  "elections under message loss",
];

/** Each mutant, the search test aimed at it and the run tests that catch it (its mutant.json targets, or Part A's). */
const ROWS: Array<{ mutant: string; search: string; run: string[] }> = [
  { mutant: "votes-twice-in-a-term", search: A_SEARCH, run: PART_A_RUN },
  { mutant: "vote-without-log-check", search: B_SEARCH, run: ["a stale log cannot win an election"] },
  {
    mutant: "no-truncate-on-conflict",
    search: B_SEARCH,
    run: ["rejoining old leader's uncommitted entries are overwritten"],
  },
  {
    mutant: "truncate-on-matching-heartbeat",
    search: B_SEARCH,
    run: ["unreliable network with reordering"],
  },
  // Figure 8 needs a third term: past the Part B search's bound (a row to show what it misses).
  { mutant: "figure8-commit-old-term", search: B_SEARCH, run: ["Figure 8: crash the leader right after appends"] },
];

/** Print the table (see the module comment). */
export async function benchSearchVsSeeds(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const quick = quickBench(argv);
  const seedsArg = argv.indexOf("--seeds");
  const N = seedsArg >= 0 ? Number(argv[seedsArg + 1]) : quick ? 5 : 10;
  if (!(Number.isInteger(N) && N > 0)) throw new Error("--seeds takes a positive whole number");
  const graderPath = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const lab = await loadGrader(graderPath);
  const scenario = (name: string) => {
    const s = lab.scenarios.find((x) => x.name === name);
    if (!s) throw new Error(`raft has no test named "${name}"`);
    return s;
  };
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const metric = (r: ScenarioResult, name: string) => r.seeds[0]?.metrics.find((m) => m.name === name)?.value;

  /** Seeds in order: the first failing one, how many of them fail, and the wall time one after another until it. */
  function firstCatch(
    r: ScenarioResult,
    seeds: readonly number[],
  ): { first?: number; failing: number; wallMs: number; events: number } {
    const bySeed = new Map(r.seeds.map((s) => [s.seed, s]));
    let wallMs = 0;
    let first: number | undefined;
    let failing = 0;
    let events = 0;
    for (const seed of seeds) {
      const s = bySeed.get(seed);
      if (!s) continue;
      if (first === undefined) wallMs += s.wallMs;
      if (s.status !== "pass") {
        failing++;
        if (first === undefined) {
          first = seed;
          events = s.events;
        }
      }
    }
    return { ...(first !== undefined ? { first } : {}), failing, wallMs, events };
  }

  const pool = new WorkerPool();
  const fresh = 1_000 + Math.floor(Math.random() * 1_000_000);
  const fixedSeeds = Array.from({ length: N }, (_, i) => i + 1);
  const freshSeeds = Array.from({ length: N }, (_, i) => fresh + i);
  console.log(
    `raft: what search buys. Search: states explored and wall time to the first violation. Run tests: seeds in order until one fails (fixed 1..${N}; fresh ${fresh}..${fresh + N - 1}), how many of the ${N} fail, and the wall time one seed after another until the first failure.`,
  );
  try {
    for (const row of ROWS) {
      const impl = `mutant:${row.mutant}`;
      const s = await gradeScenario(lab, scenario(row.search), {
        lab: lab.lab,
        graderModule: graderPath,
        impl,
        pool,
        seeds: [1],
      });
      const states = metric(s, "states explored");
      const perSec = metric(s, "states per second");
      const events = /broken after (\d+) event/.exec(s.firstFailure?.failure?.message ?? "")?.[1];
      const searchCell =
        s.status === "fail"
          ? `caught: ${states?.toLocaleString("en-US") ?? "?"} states, ${events ?? "?"} events, ${secs(s.seeds[0]?.wallMs ?? 0)} (${perSec?.toLocaleString("en-US") ?? "?"} states/s)`
          : `not caught within its bound (${s.status}${states !== undefined ? `, ${states.toLocaleString("en-US")} states` : ""}, ${secs(s.seeds[0]?.wallMs ?? 0)})`;
      console.log(`\n${row.mutant}\n  search "${row.search}": ${searchCell}`);
      for (const name of quick ? row.run.slice(0, 1) : row.run) {
        const cells: string[] = [];
        for (const [label, seeds] of [
          ["fixed", fixedSeeds],
          ["fresh", freshSeeds],
        ] as const) {
          const r = await gradeScenario(lab, scenario(name), {
            lab: lab.lab,
            graderModule: graderPath,
            impl,
            pool,
            seeds,
          });
          const c = firstCatch(r, seeds);
          cells.push(
            c.first === undefined
              ? `${label}: not caught in ${N} seeds (${secs(c.wallMs)})`
              : `${label}: seed ${c.first} (${seeds.indexOf(c.first) + 1} seeds, ${secs(c.wallMs)}, its trace ${c.events.toLocaleString("en-US")} events), ${c.failing}/${N} fail`,
          );
        }
        console.log(`  run "${name}": ${cells.join("; ")}`);
      }
    }
  } finally {
    await pool.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchSearchVsSeeds();
