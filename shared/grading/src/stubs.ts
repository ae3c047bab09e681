/**
 * The "every stub is marked TODO" rule: find the functions of a lab's src/ that throw
 * NotImplemented and check that each carries a TODO comment (in its body or its leading
 * comments, or in those of an enclosing function).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createRequire } from "node:module";
import type ts from "typescript";

/** TypeScript is loaded only when needed: it costs ~75 MiB, in every worker thread that imports this module. */
const typescript = (): typeof ts => createRequire(import.meta.url)("typescript") as typeof ts;
import { courseRoot } from "./impl.ts";

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory() && d.name !== "node_modules") out.push(...tsFiles(p));
    else if (d.isFile() && /\.(ts|mts|tsx)$/.test(d.name) && !/\.d\.ts$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

const TODO_COMMENT = /\/\/[^\n]*\bTODO\b|\/\*[\s\S]*?\bTODO\b[\s\S]*?\*\//;

/** Functions in the stubs that throw NotImplemented without a TODO comment; and how many stubs there are. */
export function scanStubs(srcDir: string): { stubs: number; unmarked: string[] } {
  const ts = typescript();
  let stubs = 0;
  const unmarked: string[] = [];
  for (const file of tsFiles(srcDir)) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("NotImplemented")) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const throwsDirectly = (body: ts.Node): boolean => {
      let found = false;
      const look = (n: ts.Node) => {
        if (found) return;
        if (n !== body && ts.isFunctionLike(n)) return; // a nested function is its own stub
        if (
          ts.isThrowStatement(n) &&
          n.expression &&
          ts.isNewExpression(n.expression) &&
          n.expression.expression.getText(sf) === "NotImplemented"
        ) {
          found = true;
          return;
        }
        ts.forEachChild(n, look);
      };
      look(body);
      return found;
    };
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && "body" in n && n.body && throwsDirectly(n.body as ts.Node)) {
        stubs++;
        let marked = false;
        for (let f: ts.Node | undefined = n; f && !marked; f = f.parent)
          if (ts.isFunctionLike(f) && TODO_COMMENT.test(f.getFullText(sf))) marked = true;
        if (!marked) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
          const name = "name" in n && n.name ? (n.name as ts.Node).getText(sf) : "(anonymous)";
          unmarked.push(`${relative(courseRoot(), file).split(sep).join("/")}:${line + 1} ${name}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { stubs, unmarked };
}
