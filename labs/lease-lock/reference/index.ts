/** Reference solution of the lease-lock lab: the same exports as src/. */
export * from "../src/messages.ts";
export { LockServer } from "./lock-server.ts";
export { AuditingStorage, FencedStorage } from "./storage.ts";
export { LockClient } from "./client.ts";
export { MajorityLockClient } from "./majority-client.ts";
export { LeaseLeader } from "./lease-leader.ts";
export { RegisterStore } from "../src/register-store.ts";
