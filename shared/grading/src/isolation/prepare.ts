/**
 * Runs where learner code never does (the process that decides grades): bundle the
 * implementation of a context-isolated lab once, and attach it to each seed task.
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { allowedRoots, courseRoot, labDir, resolveImpl } from "../impl.ts";
import type { LabGrader } from "../scenario.ts";
import { bundleImpl } from "./bundle.ts";
import type { BundleRef } from "./runtime.ts";

const cache = new Map<string, { stamp: string; bundle: Promise<BundleRef> }>();

/** Newest modification time and count of the files under some folders: a cheap change stamp. */
export function stampOf(dirs: readonly string[]): string {
  let newest = 0;
  let count = 0;
  const walk = (d: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        if (depth < 8) walk(p, depth + 1);
      } else {
        count++;
        newest = Math.max(newest, st.mtimeMs);
      }
    }
  };
  for (const d of dirs) walk(d, 0);
  return `${count}:${newest}`;
}

/** The bundle of `spec` for a lab graded in contexts, or undefined for a "process" lab. */
export async function bundleFor(lab: LabGrader, spec: string): Promise<BundleRef | undefined> {
  if (lab.isolation === "process") return undefined;
  const entry = resolveImpl(lab.lab, spec, lab.root);
  const roots = allowedRoots(lab.lab, spec, lab.root ?? labDir(lab.lab), entry);
  const key = `${lab.lab}|${spec}|${lab.root ?? ""}`;
  const stamp = stampOf(roots);
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.bundle;
  const displayRoot = courseRoot();
  const bundle = bundleImpl({ entry, allowedRoots: roots, displayRoot }).then((b) => ({
    code: b.code,
    hash: b.hash,
    label: spec.startsWith("mutant:") || spec === "reference" ? `${lab.lab} ${spec}` : `${lab.lab} (your code)`,
    sourceDir: dirname(entry),
    entry,
    displayRoot,
  }));
  cache.set(key, { stamp, bundle });
  bundle.catch(() => cache.delete(key));
  return bundle;
}
