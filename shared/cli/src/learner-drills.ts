/**
 * The handbook's drills in a learner copy. Essays and runbooks end with commands such as
 * `pnpm grade raft --only "..." --impl mutant:<name> --trace`; a learner copy has no mutants
 * (each is the reference with one bug), so there each such command grades the learner's own
 * code on the same test instead, under a comment that names the bug the mutant would show.
 */

/** Matches ` --impl mutant:<name>` in a command line (also `--impl=mutant:<name>`). */
const MUTANT_FLAG = /\s--impl[ =]mutant:([A-Za-z0-9_-]+)/;

/**
 * Rewrite the drill commands of one markdown file. `bugOf(lab, name)` is the mutant's bug in a
 * sentence (from its mutant.json), undefined when unknown. Returns the text and how many
 * commands were rewritten.
 */
export function rewriteDrills(
  markdown: string,
  bugOf: (lab: string, mutant: string) => string | undefined,
): { text: string; rewritten: number } {
  let fenced = false;
  let rewritten = 0;
  const out: string[] = [];
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = MUTANT_FLAG.exec(line);
    const lab = /\b(?:grade|cluster)\s+([a-z0-9-]+)/.exec(line)?.[1];
    if (!fenced || !m || !lab) {
      out.push(line);
      continue;
    }
    const name = m[1]!;
    const indent = /^\s*/.exec(line)![0];
    const bug = bugOf(lab, name);
    out.push(
      `${indent}# mutant:${name}${bug ? ` (${bug})` : ""} is not in a learner copy: this grades your code on the same test`,
    );
    out.push(line.replace(MUTANT_FLAG, ""));
    rewritten++;
  }
  return { text: out.join("\n"), rewritten };
}
