// The test command Stryker runs for each mutant (and once without one, its dry run):
//
//   node shared/mutate/src/grade-client.mjs <socket>
//
// Plain JavaScript so that it starts at once: it asks the grader that `pnpm mutate` keeps
// running (grade-service.ts) for a verdict on the mutant named by __STRYKER_ACTIVE_MUTANT__.
// Exit 0: every test passed (the mutant survived); exit 1: a test failed (killed); the line
// printed says which, and Stryker keeps it as the mutant's status reason.
import { connect } from "node:net";

const socket = process.argv[2];
const mutant = process.env.__STRYKER_ACTIVE_MUTANT__ ?? null;
if (!socket) {
  console.error("usage: grade-client.mjs <socket> (run by pnpm mutate)");
  process.exit(2);
}
const conn = connect(socket);
let text = "";
conn.setEncoding("utf8");
conn.on("connect", () => conn.write(`${JSON.stringify({ mutant })}\n`));
conn.on("data", (chunk) => (text += chunk));
conn.on("error", (err) => {
  console.error(`cannot reach the grader of pnpm mutate at ${socket}: ${err.message}`);
  process.exit(2);
});
conn.on("end", () => {
  const reply = JSON.parse(text);
  const who = mutant === null ? "the reference (no mutant)" : `mutant ${mutant}`;
  if (reply.error) {
    console.error(`${who} could not be graded: ${reply.error}`);
    process.exit(2);
  }
  if (reply.failed === null) {
    console.log(`${who}: every test passed`);
    process.exit(0);
  }
  console.log(`${who} fails ${reply.failed}`);
  process.exit(1);
});
