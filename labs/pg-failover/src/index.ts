/**
 * The pg-failover lab: what you write. See ../README.md.
 *  - src/controller.ts  FailoverController: observe (A), fail over (B), keep durability (C),
 *                       fence and rejoin (D), and not promote on its own view alone (E)
 */
export { FailoverController } from "./controller.ts";
export type { Cluster, ControllerOptions, NodeName, NodeReport, Role } from "../framework/types.ts";
