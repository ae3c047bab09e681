/** The faultline command end to end, on a small course in a temporary folder. */
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XMLValidator } from "fast-xml-parser";
import { soakSeeds } from "../src/commands/soak.ts";
import { cli, inproc, makeCourse, MAIN, removeTemp } from "./fixture.ts";

let root = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
});
const T = 60_000;

describe("usage errors", () => {
  it(
    "exit 2 from the real process, with the message on stderr",
    async () => {
      const r = await cli(["grade", "ecko"], { root });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('unknown lab "ecko"\nlabs: echo');
      expect(r.stdout).toBe("");
    },
    T,
  );
});

describe("grade", () => {
  it(
    "scores the stubs 0 as not started, records status, exits 1",
    async () => {
      const r = await cli(["grade", "echo"], { root });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/echo — Echo \(course fixture\)\n {2}Part A: Echo\s+0\/15/);
      expect(r.stdout).toMatch(/○ echo under loss\s+0\/10\s+not started/);
      expect(r.stdout).toMatch(/Total\s+0\/18\s+0%/);
      expect(r.stdout).toContain('3 tests are not started yet. Next: A "echo under loss"');
      expect(r.stdout).toContain("hint: Reply to the sender with the same id and text.");
      expect(r.stdout).not.toMatch(/stack|at .*\.ts:\d+/);
      expect(r.stderr).toBe(""); // no progress line when not on a terminal
      const status = JSON.parse(readFileSync(join(root, ".faultline", "status.json"), "utf8"));
      expect(status.labs.echo.parts.A).toEqual({ best: 0, last: 0, possible: 15 });
    },
    T,
  );

  it(
    "grades the reference at 100% and writes JUnit XML and Gradescope JSON",
    async () => {
      const r = await cli(["grade", "echo", "--impl", "reference", "--format", "junit", "--out", "out/junit.xml"], {
        root,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Total\s+18\/18\s+100%/);
      expect(r.stdout).toContain("wrote junit results to out/junit.xml");
      const xml = readFileSync(join(root, "out", "junit.xml"), "utf8");
      expect(XMLValidator.validate(xml)).toBe(true);
      expect(xml).toContain('<testsuite name="echo" tests="3" failures="0"');
      const g = await inproc(["grade", "echo", "--impl", "reference", "--format", "gradescope"], root);
      expect(g.code).toBe(0);
      const results = JSON.parse(g.stdout); // machine output alone on stdout
      expect(results.score).toBe(18);
      expect(results.max_score).toBe(18);
      expect(results.tests.find((t: { name: string }) => t.name === "echo B: secret check").visibility).toBe(
        "after_published",
      );
      expect(g.stderr).toContain("Total");
      // the reference run does not count as the learner's progress
      const status = JSON.parse(readFileSync(join(root, ".faultline", "status.json"), "utf8"));
      expect(status.labs.echo.parts.A.best).toBe(0);
    },
    T,
  );

  it(
    "reports a failure with one replay command that reruns exactly that seed with traces",
    async () => {
      const r = await cli(["grade", "echo", "--impl", "mutant:wrong-text", "--only", "echo under loss"], { root });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
      expect(r.stdout).toContain("first failing seed: 1");
      expect(r.stdout).toContain(
        'replay: pnpm faultline grade echo --only "echo under loss" --seed 1 --impl mutant:wrong-text --trace',
      );
      expect(r.stdout).toContain(
        "trace: .faultline/traces/echo/echo-under-loss.seed1.html (also .json, .txt, .shiviz.log)",
      );
      const replay = await cli(
        ["grade", "echo", "--only", "echo under loss", "--seed", "3", "--impl", "mutant:wrong-text", "--trace"],
        { root },
      );
      expect(replay.code).toBe(1);
      expect(replay.stdout).toContain("1 of 1 seeds failed");
      expect(replay.stdout).toContain("first failing seed: 3");
      expect(replay.stdout).toContain("[seeds 3]");
      expect(existsSync(join(root, ".faultline/traces/echo/echo-under-loss.seed3.html"))).toBe(true);
    },
    T,
  );

  it(
    "explores fresh seeds and prints them",
    async () => {
      const r = await inproc(
        ["grade", "echo", "--only", "echo on a clean network", "--explore", "--seeds", "3", "--impl", "reference"],
        root,
      );
      expect(r.code).toBe(0);
      const m = r.stdout.match(/exploring 3 fresh seeds: (\d+) (\d+) (\d+)/);
      expect(m).not.toBeNull();
      expect(r.stdout).toContain("(replay one with --seed <S>)");
      // The seeds come from a printed base, so a run (or every shard of one) can draw them again.
      const base = Number(/\(the same seeds again: --explore --seeds 3 --seed-base (\d+)\)/.exec(r.stdout)?.[1]);
      expect(soakSeeds(base, 3).join(" ")).toBe(m?.slice(1).join(" "));
    },
    T,
  );
});

describe("trace views from the command line", () => {
  const file = () => join(root, ".faultline/traces/echo/echo-under-loss.seed3.json");
  it(
    "text with filters, ShiViz, open without a display",
    async () => {
      const t = await cli(["trace", "text", file(), "--node", "c1", "--kind", "send", "--width", "120"], { root });
      expect(t.code).toBe(0);
      expect(t.stdout).toContain("filter: nodes c1; kinds send");
      expect(t.stdout).toMatch(/→ n1 #\d+ \{"type":"echo"/);
      expect(t.stdout).not.toContain("← ");
      const bad = await inproc(["trace", "text", file(), "--kind", "sends"], root);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('unknown kind "sends"; kinds: start, send, deliver');
      const s = await inproc(["trace", "shiviz", file().replace(/\.json$/, ".html")], root);
      expect(s.code).toBe(0);
      expect(s.stdout.split("\n")[0]).toBe("(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)");
      const o = await cli(["trace", "open", file()], { root, env: { DISPLAY: "", WAYLAND_DISPLAY: "" } });
      expect(o.code).toBe(0);
      expect(o.stdout.trim()).toBe(".faultline/traces/echo/echo-under-loss.seed3.html");
      expect(o.stderr).toContain("no display here");
      const missing = await inproc(["trace", "text", "nope.json"], root);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("nope.json does not exist");
    },
    T,
  );
});

describe("hint and status", () => {
  it(
    "hint shows the next tier for the first failing test and remembers it",
    async () => {
      const a = await inproc(["hint", "echo"], root);
      expect(a.code).toBe(0);
      expect(a.stdout).toContain('echo A "echo under loss" — hint 1 of 2');
      expect(a.stdout).toContain("1. Reply to the sender with the same id and text.");
      expect(a.stdout).toContain("(run the same command again for hint 2)");
      const b = await inproc(["hint", "echo"], root);
      expect(b.stdout).toContain("hint 2 of 2");
      expect(b.stdout).toContain("2. env.send(from, { type: 'echoed', id: msg.id, text: msg.text })");
      const c = await inproc(["hint", "echo", "echo on a clean network"], root);
      expect(c.stdout).toContain('echo A "echo on a clean network" — hint 1 of 1');
      const bad = await inproc(["hint", "echo", "nope"], root);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('unknown test "nope" in echo');
    },
    T,
  );

  it(
    "status shows best and last score per part, and hints used",
    async () => {
      const r = await inproc(["status"], root);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Part A: Echo\s+best 0\/15, last 0\/15\s+\(0\/2 tests passing\)/);
      expect(r.stdout).toContain("○ echo under loss  hints 2/2");
      expect(r.stdout).toContain("(kept in .faultline/status.json)");
    },
    T,
  );
});

describe("doctor, lin, watch", () => {
  it(
    "doctor reports Node and pnpm and the labs",
    async () => {
      const r = await inproc(["doctor"], root);
      expect(r.stdout).toContain(`✓ Node ${process.versions.node}`);
      expect(r.stdout).toContain("labs with a grader: echo");
      expect(r.stdout).toContain("not a git checkout: cannot tell whether the graders were edited");
    },
    T,
  );

  it(
    "doctor shows when a grader differs from the committed one",
    async () => {
      const repo = makeCourse();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: repo, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      const clean = await inproc(["doctor"], repo);
      expect(clean.stdout).toMatch(
        /✓ graders, grading harness and simulator match the committed version \([0-9a-f]+\)/,
      );
      writeFileSync(
        join(repo, "graders/echo/src/index.ts"),
        readFileSync(join(repo, "graders/echo/src/index.ts"), "utf8").replace("points: 3", "points: 30"),
      );
      const edited = await inproc(["doctor"], repo);
      expect(edited.code).toBe(1);
      expect(edited.stdout).toContain("✗ graders or the harness differ from the committed version");
      expect(edited.stdout).toContain("    M graders/echo/src/index.ts");
    },
    T,
  );

  it(
    "lin delegates to @faultline/check",
    async () => {
      const r = await inproc(["lin"], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("faultline lin: missing <model>");
      const h = await cli(["lin", "--help"], { root });
      expect(h.code).toBe(0);
      expect(h.stdout).toContain("usage: faultline lin <model> <file...>");
    },
    T,
  );

  it("watch grades, then grades again when a file in src is saved: the run kept ready reads the file as saved", async () => {
    const child = spawn(
      process.execPath,
      [join(MAIN, "../../node_modules/tsx/dist/cli.mjs"), MAIN, "watch", "echo", "--only", "echo on a clean network"],
      {
        cwd: root,
        env: { ...process.env, FAULTLINE_ROOT: root, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const until = async (re: RegExp, ms: number) => {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end) throw new Error(`watch output never matched ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const f = join(root, "labs", "echo", "src", "index.ts");
    const stub = readFileSync(f, "utf8");
    try {
      await until(/watching labs\/echo\/src — save a file/, 40_000);
      expect(out).toContain("run 1 · first run");
      expect(out).toMatch(/○ echo on a clean network/);
      // The next run starts now and waits; give it time to load before the save, so the save
      // is graded by that waiting run (which must read the file only after the save).
      await new Promise((r) => setTimeout(r, 3000));
      writeFileSync(f, readFileSync(join(root, "labs", "echo", "reference", "index.ts"), "utf8"));
      await until(/run 2 · changed: index.ts[\s\S]*all tests of echo pass/, 40_000);
      expect(out.slice(out.indexOf("run 2"))).toMatch(/✓ echo on a clean network/);
      writeFileSync(f, stub);
      utimesSync(f, new Date(), new Date());
      await until(/run 3 · changed: index.ts[\s\S]*watching labs\/echo\/src/, 40_000);
      expect(out.slice(out.indexOf("run 3"))).toMatch(/○ echo on a clean network/);
    } finally {
      // watch quits once its runs are gone: after that nothing writes in the course folder.
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      writeFileSync(f, stub);
    }
    expect(child.exitCode, "watch exits with 0 on SIGTERM once its runs have ended").toBe(0);
  }, 120_000);
});
