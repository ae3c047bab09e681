/**
 * The learner's progress, kept in .faultline/status.json under the course root (git-ignored):
 * per lab the best and last score of each part, each test's last result, and how many hint
 * tiers were shown. Only runs of the learner's own code (impl "stub") with the default seeds
 * count.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { courseRoot, partPoints, type LabReport } from "@faultline/grading";

export interface TestStatus {
  status: "pass" | "fail" | "not-started" | "error";
  earned: number;
  points: number;
  everPassed: boolean;
  at: string;
}

export interface LabStatus {
  updatedAt: string;
  parts: Record<string, { best: number; last: number; possible: number }>;
  tests: Record<string, TestStatus & { part: string }>;
  /** Test name -> hint tiers shown so far. */
  hints: Record<string, number>;
}

export interface StatusFile {
  version: 1;
  labs: Record<string, LabStatus>;
}

export function statusPath(): string {
  return join(courseRoot(), ".faultline", "status.json");
}

export function readStatus(): StatusFile {
  const p = statusPath();
  if (!existsSync(p)) return { version: 1, labs: {} };
  try {
    const s = JSON.parse(readFileSync(p, "utf8")) as StatusFile;
    if (s && s.version === 1 && typeof s.labs === "object") return s;
  } catch {
    // a damaged status file starts over
  }
  return { version: 1, labs: {} };
}

export function writeStatus(s: StatusFile): void {
  const p = statusPath();
  mkdirSync(join(courseRoot(), ".faultline"), { recursive: true });
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(tmp, p);
}

export function labStatus(s: StatusFile, lab: string): LabStatus {
  let l = s.labs[lab];
  if (!l) {
    l = { updatedAt: new Date().toISOString(), parts: {}, tests: {}, hints: {} };
    s.labs[lab] = l;
  }
  return l;
}

/**
 * Record a run. `completeParts` are the parts whose every test was graded in this run (a part
 * graded only partly, e.g. with --only, updates its tests but not its score).
 */
export function recordRun(rep: LabReport, completeParts: readonly string[]): void {
  const s = readStatus();
  const l = labStatus(s, rep.lab);
  const now = new Date().toISOString();
  l.updatedAt = now;
  for (const r of rep.results) {
    const prev = l.tests[r.name];
    l.tests[r.name] = {
      part: r.part,
      status: r.status,
      earned: r.earned,
      points: r.points,
      everPassed: (prev?.everPassed ?? false) || r.status === "pass",
      at: now,
    };
  }
  for (const p of completeParts) {
    const rs = rep.results.filter((r) => r.part === p);
    const { earned, possible } = partPoints(rs);
    const prev = l.parts[p];
    l.parts[p] = { best: Math.max(prev?.possible === possible ? prev.best : 0, earned), last: earned, possible };
  }
  writeStatus(s);
}
