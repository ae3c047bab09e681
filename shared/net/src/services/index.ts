/** The HTTP faces of the labs that can run as real clusters. */
import type { Service } from "../host.ts";
import { raftService } from "./raft.ts";

export const services: Record<string, Service<never>> = {
  raft: raftService as Service<never>,
};
