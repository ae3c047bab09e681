/**
 * The lease-lock lab: what you write. Part A is lock-server.ts, Parts B and C storage.ts, Part C
 * also client.ts, Part D majority-client.ts, Part E (bonus) lease-leader.ts. The README explains
 * each part and how it is graded.
 */
export * from "./messages.ts";
export { LockServer } from "./lock-server.ts";
export { AuditingStorage, FencedStorage } from "./storage.ts";
export { LockClient } from "./client.ts";
export { MajorityLockClient } from "./majority-client.ts";
export { LeaseLeader } from "./lease-leader.ts";
export { RegisterStore } from "./register-store.ts";
