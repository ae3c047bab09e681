/**
 * The GitHub Classroom autograding workflow of a learner repository: on every push it installs
 * the course and grades each test as one step of GitHub's command grader
 * (classroom-resources/autograding-command-grader: a step scores its max-score when its command
 * exits 0, else 0), then GitHub's reporter (autograding-grading-reporter) sums the steps and
 * reports the points to Classroom. One step per test, so the points are the grader's own.
 * Hidden tests are not in a learner repository and bonus tests are left out (Classroom has no
 * extra credit: the reporter skips a step worth 0 points but fails the run on it).
 */
import type { LabGrader } from "@faultline/grading";

export const WORKFLOW_PATH = ".github/workflows/classroom.yml";
export const COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1";
export const REPORTER = "classroom-resources/autograding-grading-reporter@v1";

export interface ClassroomStep {
  /** Step id: letters and digits only (the reporter's `runners` input accepts nothing else). */
  id: string;
  testName: string;
  command: string;
  maxScore: number;
  timeoutMinutes: number;
}

export interface ClassroomOptions {
  /** pnpm version the course pins, run through npx (the runner has Node and npm, not pnpm). */
  pnpm: string;
  /** Node line of the runner (actions/setup-node). */
  nodeMajor: number;
}

/** A double-quoted shell word (test names have spaces and quotes). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** The graded steps: every test of every lab that a learner copy has and that counts for points. */
export function classroomSteps(graders: readonly LabGrader[]): ClassroomStep[] {
  const steps: ClassroomStep[] = [];
  for (const g of graders) {
    for (const s of g.scenarios) {
      if (s.hidden || s.bonus || s.points <= 0) continue;
      steps.push({
        id: `test${steps.length + 1}`,
        testName: `${g.lab} ${s.part}: ${s.name}`,
        // The bin needs no pnpm on PATH (the command grader passes only PATH and HOME).
        command: `node_modules/.bin/faultline grade ${g.lab} --only ${shellWord(s.name)} --quiet`,
        maxScore: s.points,
        timeoutMinutes: 10,
      });
    }
  }
  return steps;
}

/** YAML scalar: JSON's double-quoted string is valid YAML. */
const q = (s: string | number) => JSON.stringify(String(s));

export function classroomWorkflow(steps: readonly ClassroomStep[], o: ClassroomOptions): string {
  const lines = [
    "# GitHub Classroom autograding, written by faultline course classroom: one step per test,",
    "# each worth the test's points (a step scores when its grade command exits 0).",
    "name: Autograding Tests",
    "on:",
    "  - push",
    "  - workflow_dispatch",
    "permissions:",
    "  checks: write",
    "  actions: read",
    "  contents: read",
    "jobs:",
    "  run-autograding-tests:",
    "    runs-on: ubuntu-latest",
    "    if: github.actor != 'github-classroom[bot]'",
    "    steps:",
    "      - name: Checkout code",
    "        uses: actions/checkout@v4",
    "      - name: Set up Node",
    "        uses: actions/setup-node@v4",
    "        with:",
    `          node-version: ${q(o.nodeMajor)}`,
    "      - name: Install the course",
    `        run: npx --yes ${o.pnpm} install --frozen-lockfile`,
  ];
  for (const s of steps) {
    lines.push(
      `      - name: ${q(s.testName)}`,
      `        id: ${s.id}`,
      `        uses: ${COMMAND_GRADER}`,
      "        with:",
      `          test-name: ${q(s.testName)}`,
      `          command: ${q(s.command)}`,
      `          timeout: ${s.timeoutMinutes}`,
      `          max-score: ${s.maxScore}`,
    );
  }
  lines.push("      - name: Autograding Reporter", `        uses: ${REPORTER}`, "        env:");
  for (const s of steps) lines.push(`          ${s.id.toUpperCase()}_RESULTS: "\${{steps.${s.id}.outputs.result}}"`);
  lines.push("        with:", `          runners: ${steps.map((s) => s.id).join(",")}`, "");
  return lines.join("\n");
}
