/**
 * The Raft lab: what you implement (RaftNode, KvCounterStateMachine) and the messages they
 * speak. The grader imports exactly these names.
 */
export * from "./types.ts";
export { KvCounterStateMachine } from "./state-machine.ts";
export { RaftNode } from "./raft-node.ts";
