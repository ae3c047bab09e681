/**
 * Node's permission model, as the grading runtime uses it: the flag that turns it on for this
 * Node line, and the flags that open one path each (a comma-separated list is no longer accepted).
 */

function nodeMajorMinor(): [number, number] {
  const [a, b] = process.versions.node.split(".").map(Number);
  return [a ?? 0, b ?? 0];
}

/** `--permission` from 22.13 on, `--experimental-permission` before. */
export function permissionFlag(): string {
  const [major, minor] = nodeMajorMinor();
  return major > 22 || (major === 22 && minor >= 13) ? "--permission" : "--experimental-permission";
}

/** One `--allow-fs-read=` flag per path: a folder opens everything below it, a file only itself. */
export function readFlags(folders: Iterable<string>, files: Iterable<string> = []): string[] {
  return [
    ...new Set([
      ...[...folders].map((f) => `--allow-fs-read=${f.replace(/\/+$/, "")}/*`),
      ...[...files].map((f) => `--allow-fs-read=${f}`),
    ]),
  ];
}

/** One `--allow-fs-write=` flag per folder. */
export function writeFlags(folders: Iterable<string>): string[] {
  return [...new Set([...folders].map((f) => `--allow-fs-write=${f.replace(/\/+$/, "")}/*`))];
}
