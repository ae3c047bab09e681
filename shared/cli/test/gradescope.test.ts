/**
 * The Gradescope autograder end to end, without Gradescope: `course gradescope` builds the zip
 * from this checkout's committed files, a real unzip unpacks it into a temporary root laid out
 * like Gradescope's /autograder (source/, submission/, results/, run_autograder beside them),
 * setup.sh installs the locked dependencies (offline, from this machine's pnpm store), and
 * run_autograder grades submissions into results/results.json, which must follow Gradescope's
 * documented fields.
 *
 * What runs: lamport-clock fully (its default seeds) on the reference (100), the stubs (0, not
 * started), a submission that does not compile (0, one message) and two cheats (their honest
 * score, 0); then one autograder for every lab on seed 1 of each test (FAULTLINE_AUTOGRADER_SEEDS,
 * to bound the run) with the references (full score plus the bonus tests as extra credit) and
 * the stubs (0). FAULTLINE_GRADESCOPE_E2E=full grades every lab on its default seeds instead;
 * FAULTLINE_GRADESCOPE_E2E=one-lab runs the lamport-clock part only (.ci/run's repeat runs under
 * the newer Node lines: the every-lab part takes 13 minutes on a 2-core machine under load).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadGrader } from "@faultline/grading";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradescopeProblems, type GradescopeResults } from "./gradescope-results.ts";
import { removeTemp, tempDir } from "./fixture.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO, "shared", "cli", "bin", "faultline.mjs");
const LABS = readdirSync(join(REPO, "graders"))
  .filter((l) => existsSync(join(REPO, "graders", l, "src", "index.ts")))
  .sort();
const MODE = process.env.FAULTLINE_GRADESCOPE_E2E ?? "";
const FULL = MODE === "full";
const MINUTE = 60_000;

// Each autograder holds an installed node_modules: removing it takes a while on a busy machine.
afterAll(removeTemp, 5 * MINUTE);

/** Run a command to its end (killed after `timeoutMs`), with its output. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs: number },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
    for (const k of ["CI", "INIT_CWD", "FAULTLINE_IMPL", "FAULTLINE_ROOT"]) delete env[k];
    const child = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} did not finish within ${opts.timeoutMs} ms\n${out}`));
    }, opts.timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Unpack with a real unzip: the `unzip` tool, else Python's zipfile (which keeps no modes: set them as Gradescope's spec asks). */
function unzip(zip: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  if (spawnSync("unzip", ["-v"], { stdio: "ignore" }).status === 0) execFileSync("unzip", ["-q", zip, "-d", dest]);
  else {
    execFileSync("python3", [
      "-c",
      "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
      zip,
      dest,
    ]);
    execFileSync("chmod", ["+x", join(dest, "setup.sh"), join(dest, "run_autograder")]);
  }
}

/** The names in a zip, read by Python's zipfile or `unzip -Z1`. */
function zipNames(zip: string): string[] {
  const r = spawnSync("unzip", ["-Z1", zip], { encoding: "utf8" });
  const text =
    r.status === 0
      ? r.stdout
      : execFileSync(
          "python3",
          ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", zip],
          { encoding: "utf8" },
        );
  return text.split("\n").filter(Boolean);
}

interface Autograder {
  root: string;
  grade(submission: (dir: string) => void, env?: Record<string, string>): Promise<GradescopeResults & { log: string }>;
}

/** Build the zip for `labs`, lay out a /autograder under a temporary folder, run setup.sh. */
async function autograderFor(labs: string[]): Promise<Autograder & { names: string[] }> {
  const dir = tempDir("faultline-gradescope-");
  const zip = join(dir, "autograder.zip");
  const built = await run(process.execPath, [BIN, "course", "gradescope", ...labs, "--out", zip], {
    cwd: REPO,
    timeoutMs: 2 * MINUTE,
  });
  expect(built.code, built.out).toBe(0);
  const root = join(dir, "autograder");
  unzip(zip, join(root, "source"));
  copyFileSync(join(root, "source", "run_autograder"), join(root, "run_autograder"));
  execFileSync("chmod", ["+x", join(root, "run_autograder")]);
  const setup = await run("bash", [join(root, "source", "setup.sh")], {
    cwd: root,
    env: { FAULTLINE_AUTOGRADER: root, FAULTLINE_PNPM_INSTALL_FLAGS: "--offline" },
    timeoutMs: 8 * MINUTE,
  });
  expect(setup.code, setup.out).toBe(0);
  return {
    root,
    names: zipNames(zip),
    async grade(fill, env = {}) {
      rmSync(join(root, "submission"), { recursive: true, force: true });
      rmSync(join(root, "results"), { recursive: true, force: true });
      mkdirSync(join(root, "submission"), { recursive: true });
      fill(join(root, "submission"));
      // As Gradescope runs it: from /autograder, the script Gradescope copied there.
      const r = await run(join(root, "run_autograder"), [], {
        cwd: root,
        env: { FAULTLINE_AUTOGRADER: root, ...env },
        timeoutMs: 20 * MINUTE,
      });
      expect(r.code, r.out).toBe(0);
      const results = JSON.parse(readFileSync(join(root, "results", "results.json"), "utf8")) as GradescopeResults;
      expect(
        gradescopeProblems(results, { extraTopLevel: ["max_score"] }),
        JSON.stringify(results, null, 2).slice(0, 4000),
      ).toEqual([]);
      return { ...results, log: r.out };
    },
  };
}

const copyDir = (from: string, to: string) => cpSync(from, to, { recursive: true });
const reference = (lab: string) => join(REPO, "labs", lab, "reference");
const stubs = (lab: string) => join(REPO, "labs", lab, "src");
/** Points per test, bonus tests apart, as run_autograder's results.json gives them. */
const sums = (r: GradescopeResults) => {
  const tests = r.tests ?? [];
  const bonus = tests.filter((t) => t.tags?.includes("bonus"));
  return {
    score: tests.reduce((a, t) => a + (t.score ?? 0), 0),
    max: tests.reduce((a, t) => a + (t.max_score ?? 0), 0),
    bonus,
  };
};

describe("course gradescope: lamport-clock graded fully", () => {
  let ag: Autograder & { names: string[] };
  beforeAll(async () => {
    ag = await autograderFor(["lamport-clock"]);
  }, 10 * MINUTE);

  it("the zip has setup.sh and run_autograder at its root, the grader, and no solution", () => {
    expect(ag.names).toEqual(
      expect.arrayContaining([
        "setup.sh",
        "run_autograder",
        "autograder.env",
        "pnpm-lock.yaml",
        "graders/lamport-clock/src/index.ts",
        "labs/lamport-clock/src/index.ts",
      ]),
    );
    expect(ag.names.filter((n) => /^labs\/[^/]+\/(reference|mutants)\//.test(n))).toEqual([]);
    expect(
      ag.names.filter((n) => n.startsWith("handbook/") || n.startsWith("labs/raft/") || n.startsWith("graders/raft/")),
    ).toEqual([]);
  });

  it(
    "the reference scores 100 on every default seed",
    async () => {
      const r = await ag.grade((dir) => copyDir(reference("lamport-clock"), dir));
      expect(r.score).toBe(100);
      expect(sums(r)).toMatchObject({ score: 100, max: 100 });
      expect((r.tests ?? []).every((t) => t.status === "passed")).toBe(true);
    },
    20 * MINUTE,
  );

  it(
    "the stubs score 0, every test not started, with the next hint",
    async () => {
      const r = await ag.grade((dir) => copyDir(stubs("lamport-clock"), dir));
      expect(r.score).toBe(0);
      expect(sums(r).max).toBe(100);
      for (const t of r.tests ?? []) {
        expect(t.status).toBe("failed");
        expect(t.output).toMatch(/not started/);
        expect(t.output).toMatch(/hint: /);
      }
    },
    10 * MINUTE,
  );

  it(
    "a submission that does not compile scores 0 with one message that names the file and line",
    async () => {
      const r = await ag.grade((dir) => {
        copyDir(stubs("lamport-clock"), dir);
        writeFileSync(
          join(dir, "vector.ts"),
          `${readFileSync(join(dir, "vector.ts"), "utf8")}\nexport const half = ;\n`,
        );
      });
      expect(r.score).toBe(0);
      expect(r.output).toMatch(/your code does not load: vector\.ts:\d+:\d+: Unexpected ";"/);
      expect(r.output?.match(/does not load/g)).toHaveLength(1);
      for (const t of r.tests ?? []) expect(t.output).toMatch(/^not graded: lamport-clock did not load/);
    },
    10 * MINUTE,
  );

  it(
    "a cheat that prints a perfect results.json scores what its honest part scores (0)",
    async () => {
      const forged = JSON.stringify({
        score: 100,
        max_score: 100,
        tests: [{ name: "FORGED-BY-CHEAT", score: 100, max_score: 100 }],
      });
      const r = await ag.grade((dir) => {
        copyDir(stubs("lamport-clock"), dir);
        const index = readFileSync(join(dir, "index.ts"), "utf8");
        writeFileSync(join(dir, "index.ts"), `${index}\nconsole.log(${JSON.stringify(forged)});\n`);
      });
      expect(r.score).toBe(0);
      // One entry per test of the lab, each graded as the stub's: the forged report is not among them.
      const lab = await loadGrader(join(REPO, "graders", "lamport-clock", "src", "index.ts"));
      expect(r.tests).toHaveLength(lab.scenarios.length);
      expect(JSON.stringify(r)).not.toContain("FORGED-BY-CHEAT");
    },
    10 * MINUTE,
  );

  it(
    "a cheat that writes results.json itself is refused before it runs, and scores 0",
    async () => {
      const target = join(ag.root, "results", "results.json");
      const r = await ag.grade((dir) => {
        copyDir(stubs("lamport-clock"), dir);
        const index = readFileSync(join(dir, "index.ts"), "utf8");
        writeFileSync(
          join(dir, "index.ts"),
          `import { writeFileSync } from "node:fs";\n${index}\nwriteFileSync(${JSON.stringify(target)}, JSON.stringify({ score: 100, tests: [] }));\n`,
        );
      });
      expect(r.score).toBe(0);
      expect(r.output).toMatch(/node:fs/);
    },
    10 * MINUTE,
  );
});

describe.skipIf(MODE === "one-lab")(
  `course gradescope --all: every lab (${FULL ? "default seeds" : "seed 1 of each test"})`,
  () => {
    let ag: Autograder & { names: string[] };
    const env: Record<string, string> = FULL ? {} : { FAULTLINE_AUTOGRADER_SEEDS: "1" };
    beforeAll(async () => {
      ag = await autograderFor(["--all"]);
    }, 10 * MINUTE);

    it(
      "the references of every lab, uploaded as a repository, score full marks plus every bonus test as extra credit",
      async () => {
        const r = await ag.grade((dir) => {
          for (const lab of LABS) copyDir(reference(lab), join(dir, "faultline-main", "labs", lab, "src"));
        }, env);
        const s = sums(r);
        expect(s.max).toBe(100 * LABS.length);
        expect(s.bonus.length).toBeGreaterThan(0);
        for (const t of s.bonus) {
          expect(t.max_score).toBe(0);
          expect(t.score).toBeGreaterThan(0);
          expect(t.status).toBe("passed");
        }
        const extra = s.bonus.reduce((a, t) => a + (t.score ?? 0), 0);
        expect(r.score).toBe(100 * LABS.length + extra);
        expect((r.tests ?? []).filter((t) => t.status !== "passed").map((t) => t.name)).toEqual([]);
      },
      40 * MINUTE,
    );

    it(
      "an upload without any lab's files scores 0: every lab graded as its stubs",
      async () => {
        const r = await ag.grade((dir) => writeFileSync(join(dir, "README.md"), "nothing yet\n"), env);
        expect(r.score).toBe(0);
        expect(sums(r).max).toBe(100 * LABS.length);
        expect(r.log).toMatch(/no files of this lab in the submission/);
      },
      20 * MINUTE,
    );
  },
);
