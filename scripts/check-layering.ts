/**
 * Fails when code under shared/ depends on a lab or a grader (see layering.ts).
 *
 *   tsx scripts/check-layering.ts          check this repository
 *   tsx scripts/check-layering.ts <root>   check another checkout
 *
 * Prints one line per dependency (`path:line: "specifier" is <why>`) and exits 1 if there is any.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findLayeringViolations } from "./layering.ts";

const root = resolve(process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), ".."));
const found = findLayeringViolations(root);
for (const v of found)
  console.error(`${v.file}:${v.line}: "${v.specifier}" is ${v.why}: shared/ must not depend on labs/ or graders/`);
if (found.length > 0) {
  console.error(
    `check-layering: ${found.length} dependenc${found.length === 1 ? "y" : "ies"} of shared/ on labs/ or graders/`,
  );
  process.exit(1);
}
console.log("check-layering: shared/ depends on no lab and no grader");
