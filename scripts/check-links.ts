/**
 * Check every relative link in every markdown file of the repository.
 *
 *   tsx scripts/check-links.ts            check the whole repository
 *   tsx scripts/check-links.ts a.md dir/  check only these files or folders
 *
 * A link is checked when it is relative (no URL scheme, not protocol-relative): inline links
 * and images `[text](target)`, reference definitions `[id]: target`, and `href`/`src`
 * attributes of inline HTML. Links inside fenced code blocks, inline code spans and HTML
 * comments are ignored. The target must exist (file or folder, with exact letter case, as on
 * a case-sensitive git host); a leading `/` means the repository root. A `#fragment` is
 * checked against the headings (GitHub's slug rules, including `-1` suffixes for repeated
 * headings) and explicit `id`/`name` anchors of the target when the target is a markdown file,
 * or of the same file for a bare `#fragment`.
 *
 * Prints one line per broken link (`path:line: target: reason`) and exits 1 if there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "docs-site", "dist", "coverage", ".turbo", ".faultline"]);

interface Link {
  target: string;
  line: number;
}

interface Broken {
  file: string;
  line: number;
  target: string;
  reason: string;
}

/** Every markdown file under `dir`, skipping dependency, build and VCS folders. */
function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) markdownFiles(join(dir, entry.name), out);
    } else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/**
 * The text with code (fenced blocks, indented blocks are left alone, inline spans) and HTML
 * comments replaced by spaces, so offsets and line numbers stay the same.
 */
function stripCode(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  const lines = text.split("\n");
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (m && (m[1] as string)[0] === fence[0] && (m[1] as string).length >= fence.length && line.trim() === m[1])
        fence = undefined;
      lines[i] = blank(line);
    } else if (m) {
      fence = m[1];
      lines[i] = blank(line);
    }
  }
  let out = lines.join("\n");
  out = out.replace(/<!--[\s\S]*?-->/g, blank);
  // Inline code spans: a run of N backticks up to the next run of exactly N backticks.
  out = out.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, blank);
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Extract link targets with their line numbers. */
function extractLinks(source: string): Link[] {
  const text = stripCode(source);
  const links: Link[] = [];
  const push = (raw: string, index: number) => {
    let target = raw.trim();
    if (target.startsWith("<") && target.endsWith(">")) target = target.slice(1, -1);
    if (target) links.push({ target, line: lineOf(text, index) });
  };
  // Inline links and images: ](target) or ](target "title"). Allows one level of parentheses.
  const inline = /\]\(\s*(<[^>]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (let m = inline.exec(text); m; m = inline.exec(text)) push(m[1] as string, m.index);
  // Reference definitions: [id]: target
  const refdef = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm;
  for (let m = refdef.exec(text); m; m = refdef.exec(text)) push(m[1] as string, m.index);
  // Inline HTML attributes.
  const attr = /<(?:a|img|source|link)\b[^>]*?\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
  for (let m = attr.exec(text); m; m = attr.exec(text)) push((m[1] ?? m[2]) as string, m.index);
  return links;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

/** GitHub-style heading slug. */
function slug(heading: string): string {
  const text = heading
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1") // images: alt text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // links: link text
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1") // reference links
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/`/g, "")
    .replace(/(\*\*|__|\*|~~)/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

const anchorCache = new Map<string, Set<string>>();

/** Every anchor a markdown file defines: heading slugs (deduplicated like GitHub) and HTML ids. */
function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (s: string) => {
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    anchors.add(n === 0 ? s : `${s}-${n}`);
  };
  const source = readFileSync(file, "utf8");
  const lines = stripFencesOnly(source).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) {
      add(slug(atx[1] ?? ""));
      continue;
    }
    const next = lines[i + 1];
    if (
      next !== undefined &&
      line.trim() !== "" &&
      /^ {0,3}(=+|-+)[ \t]*$/.test(next) &&
      !/^ {0,3}([-*_])( *\1){2,} *$/.test(line) &&
      !/^\s*[-*+>|]/.test(line)
    ) {
      add(slug(line.trim()));
    }
  }
  const ids = /<[a-z][^>]*?\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
  for (let m = ids.exec(source); m; m = ids.exec(source)) anchors.add((m[1] ?? m[2]) as string);
  anchorCache.set(file, anchors);
  return anchors;
}

/** Blank fenced code blocks only (headings inside them are not headings). */
function stripFencesOnly(text: string): string {
  const lines = text.split("\n");
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (m && (m[1] as string)[0] === fence[0] && (m[1] as string).length >= fence.length && line.trim() === m[1])
        fence = undefined;
      lines[i] = "";
    } else if (m) {
      fence = m[1];
      lines[i] = "";
    }
  }
  return lines.join("\n");
}

/** Whether `abs` exists with exactly this letter case in every path segment below the root. */
function existsExactCase(abs: string): boolean {
  if (!existsSync(abs)) return false;
  const rel = relative(ROOT, abs);
  if (rel === "" || rel.startsWith("..")) return true;
  let dir = ROOT;
  for (const part of rel.split(sep)) {
    if (!readdirSync(dir).includes(part)) return false;
    dir = join(dir, part);
  }
  return true;
}

function checkFile(file: string): Broken[] {
  const broken: Broken[] = [];
  const rel = relative(ROOT, file).split(sep).join("/");
  for (const { target, line } of extractLinks(readFileSync(file, "utf8"))) {
    if (isExternal(target)) continue;
    const hash = target.indexOf("#");
    const pathPart = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, "");
    const fragment = hash === -1 ? undefined : target.slice(hash + 1);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathPart);
    } catch {
      broken.push({ file: rel, line, target, reason: "malformed percent-encoding" });
      continue;
    }
    let resolved: string;
    if (decoded === "") {
      resolved = file;
    } else {
      resolved = decoded.startsWith("/") ? join(ROOT, decoded) : resolve(dirname(file), decoded);
      if (relative(ROOT, resolved).startsWith("..")) {
        broken.push({ file: rel, line, target, reason: "points outside the repository" });
        continue;
      }
      if (!existsExactCase(resolved)) {
        broken.push({
          file: rel,
          line,
          target,
          reason: existsSync(resolved) ? "letter case differs from the file on disk" : "no such file or folder",
        });
        continue;
      }
    }
    if (
      fragment !== undefined &&
      fragment !== "" &&
      /\.(md|markdown)$/i.test(resolved) &&
      statSync(resolved).isFile()
    ) {
      let want: string;
      try {
        want = decodeURIComponent(fragment).toLowerCase();
      } catch {
        want = fragment.toLowerCase();
      }
      const anchors = anchorsOf(resolved);
      if (!anchors.has(want) && !anchors.has(fragment)) {
        broken.push({
          file: rel,
          line,
          target,
          reason: `no heading or anchor "#${fragment}" in ${relative(ROOT, resolved).split(sep).join("/")}`,
        });
      }
    }
  }
  return broken;
}

function main(): void {
  const args = process.argv.slice(2);
  const files: string[] = [];
  if (args.length === 0) markdownFiles(ROOT, files);
  for (const arg of args) {
    const abs = resolve(arg);
    if (!existsSync(abs)) {
      console.error(`check-links: no such file or folder: ${arg}`);
      process.exit(2);
    }
    if (statSync(abs).isDirectory()) markdownFiles(abs, files);
    else files.push(abs);
  }
  files.sort();
  const broken = files.flatMap(checkFile);
  if (broken.length > 0) {
    for (const b of broken) console.error(`${b.file}:${b.line}: ${b.target}: ${b.reason}`);
    console.error(
      `\ncheck-links: ${broken.length} broken relative link${broken.length === 1 ? "" : "s"} in ${new Set(broken.map((b) => b.file)).size} file(s) (${files.length} markdown files checked)`,
    );
    process.exit(1);
  }
  console.log(`check-links: ${files.length} markdown files, every relative link resolves`);
}

main();
