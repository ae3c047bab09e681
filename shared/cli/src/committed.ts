/**
 * The committed state of a git checkout (HEAD), read without touching the working tree: what
 * `course export` ships and what `course check` grades as the stubs, so a solution in progress
 * in labs/<lab>/src never passes for a stub.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface CommittedFile {
  /** Path relative to the root, "/"-separated. */
  path: string;
  /** Git file mode: 100644, 100755 (executable) or 120000 (symlink). */
  mode: string;
  sha: string;
}

const BUFFER = 1024 * 1024 * 1024;

function git(root: string, args: string[], input?: string): Buffer {
  return execFileSync("git", args, {
    cwd: root,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "ignore"],
    maxBuffer: BUFFER,
    ...(input !== undefined ? { input } : {}),
  });
}

/** True when `root` is the top folder of a git checkout that has a commit. */
export function isGitCheckout(root: string): boolean {
  try {
    if (resolve(git(root, ["rev-parse", "--show-toplevel"]).toString().trim()) !== resolve(root)) return false;
  } catch {
    return false;
  }
  try {
    git(root, ["rev-parse", "--verify", "-q", "HEAD"]);
    return true;
  } catch {
    throw new Error("this git checkout has no commit yet; commit the course first (only committed files are exported)");
  }
}

/** Files of HEAD (under `prefix`, a folder, when given); submodules are left out. */
export function committedFiles(root: string, prefix?: string): CommittedFile[] {
  const out = git(root, ["ls-tree", "-r", "-z", "--full-tree", "HEAD", ...(prefix ? ["--", prefix] : [])]).toString(
    "utf8",
  );
  return out
    .split("\0")
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf("\t");
      const [mode = "", type = "", sha = ""] = entry.slice(0, tab).split(" ");
      return { path: entry.slice(tab + 1), mode, sha, type };
    })
    .filter((f) => f.type === "blob")
    .map(({ path, mode, sha }) => ({ path, mode, sha }));
}

/** The contents of blobs, by sha, read by one `git cat-file --batch`. */
export function readBlobs(root: string, shas: readonly string[]): Map<string, Buffer> {
  const unique = [...new Set(shas)];
  const blobs = new Map<string, Buffer>();
  if (unique.length === 0) return blobs;
  const out = git(root, ["cat-file", "--batch"], `${unique.join("\n")}\n`);
  let at = 0;
  for (const sha of unique) {
    const eol = out.indexOf(10, at);
    const [got, , size] = out.subarray(at, eol).toString("utf8").split(" ");
    if (got !== sha || size === undefined) throw new Error(`git cat-file: unexpected answer for ${sha}`);
    const start = eol + 1;
    blobs.set(sha, out.subarray(start, start + Number(size)));
    at = start + Number(size) + 1;
  }
  return blobs;
}

/** Tracked files whose working copy or index differs from HEAD (modified, staged, deleted). */
export function uncommittedChanges(root: string): string[] {
  return git(root, ["diff", "--name-only", "-z", "HEAD"]).toString("utf8").split("\0").filter(Boolean).sort();
}

/** Untracked files that are not ignored. */
export function untrackedFiles(root: string): string[] {
  return git(root, ["ls-files", "-z", "--others", "--exclude-standard"])
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .sort();
}

/** Write one committed file at `to`, with its executable bit or as its symlink. */
export function writeCommitted(f: CommittedFile, content: Buffer, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  if (f.mode === "120000") symlinkSync(content.toString("utf8"), to);
  else {
    writeFileSync(to, content);
    if (f.mode === "100755") chmodSync(to, 0o755);
  }
}

/** Copy the committed files under `prefix` into `dest` (paths kept relative to `prefix`). */
export function extractCommitted(root: string, prefix: string, dest: string): number {
  const files = committedFiles(root, prefix);
  const blobs = readBlobs(
    root,
    files.map((f) => f.sha),
  );
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  for (const f of files) writeCommitted(f, blobs.get(f.sha)!, join(dest, f.path.slice(base.length)));
  return files.length;
}
