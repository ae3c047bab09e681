/** Reference solution of the Raft lab: same exports as src/index.ts. */
export * from "../src/types.ts";
export { KvCounterStateMachine } from "./state-machine.ts";
export { RaftNode } from "./raft-node.ts";
