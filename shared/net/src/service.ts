/**
 * A lab's HTTP face, generic: routes that a node process serves next to the admin routes,
 * turned into client messages to the node. `@faultline/net` knows no lab; a lab (or its
 * grader) writes its service in a module of its own and names it by path, so each node process
 * loads it next to the node class.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import type { NodeHost } from "./host.ts";

export interface Service<N = unknown> {
  /** Extra fields for GET /status (e.g. role, term, commit index). */
  status(node: N): Record<string, unknown>;
  /** Handle a route, or return false when the route is unknown. */
  handle(req: IncomingMessage, res: ServerResponse, host: NodeHost<N>): Promise<boolean>;
}

/** Where a service lives: a module file and the name of its export. */
export interface ServiceRef {
  /** Module file (absolute path) exporting the service. */
  path: string;
  /** The export's name (default "service"). */
  exportName?: string;
}

/**
 * What a lab offers to `faultline cluster <lab>`: by convention the `realCluster` export of
 * `graders/<lab>/src/real-cluster.ts`.
 */
export interface RealClusterSpec {
  /** The node class the lab's implementation exports. */
  exportName: string;
  service: ServiceRef;
  /** The lab's routes as a person would type them ("POST /incr"). */
  routes: string[];
  /** A first request to try against a node's base URL. */
  tryFirst?: (url: string) => string;
}

function isService(v: unknown): v is Service {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Service).status === "function" &&
    typeof (v as Service).handle === "function"
  );
}

/** Load a service by reference; a missing or malformed export is an error naming the module. */
export async function loadService(ref: ServiceRef): Promise<Service> {
  const name = ref.exportName ?? "service";
  const mod = (await import(pathToFileURL(ref.path).href)) as Record<string, unknown>;
  const s = mod[name];
  if (!isService(s))
    throw new Error(
      `${ref.path} does not export a service "${name}" (an object with status(node) and handle(req, res, host))`,
    );
  return s;
}
