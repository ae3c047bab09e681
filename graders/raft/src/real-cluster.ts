/**
 * The Raft lab as a real cluster: what `faultline cluster raft` and part E start. Each node
 * process runs the lab's RaftNode and serves the routes of real/service.ts.
 */
import { fileURLToPath } from "node:url";
import type { RealClusterSpec } from "@faultline/net";

export const realCluster: RealClusterSpec = {
  exportName: "RaftNode",
  service: { path: fileURLToPath(new URL("./real/service.ts", import.meta.url)), exportName: "service" },
  routes: [
    "POST /incr",
    "GET /count",
    'PUT /kv/:key  {"value": "..."}',
    "GET /kv/:key",
    "GET /status",
    'POST /admin/faults  {"drop":0.05,"delayMs":200,"blocked":["n2"]}',
  ],
  tryFirst: (url) => `curl -s -X POST ${url}/incr -H 'x-client-id: me' -H 'x-request-seq: 1'`,
};
