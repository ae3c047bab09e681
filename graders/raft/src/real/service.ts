/**
 * The Raft lab's HTTP face: each node serves the replicated counter and key-value store.
 *
 *   POST /incr            -> {"count": n}      add 1, answer the new value
 *   GET  /count           -> {"count": n}      linearizable read (goes through the log)
 *   PUT  /kv/:key         -> {"ok": true}      body {"value": "..."}
 *   GET  /kv/:key         -> {"key", "value"}
 *   GET  /status          -> id, role, term, commitIndex, lastApplied, log length
 *
 * Requests carry `x-client-id` and `x-request-seq` headers so a retry of the same request is
 * applied at most once (section 8 of the Raft paper). A follower forwards the request to the
 * leader it knows; with no leader known the answer is 503, and a request not committed in time
 * is 504 (retry it with the same id and seq).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ClientReply, ClientRequest, Operation, RaftNode } from "@faultline/lab-raft";
import { HttpError, readJson, sendJson, type NodeHost, type Service } from "@faultline/net";

const COMMIT_TIMEOUT_MS = 3000;
const FORWARD_TIMEOUT_MS = 4000;
let anonymous = 0;

type Introspect = Pick<RaftNode, "role" | "currentTerm" | "commitIndex" | "lastApplied" | "log"> & {
  stateMachine?: { counter?: number };
};

/** FNV-1a of the committed prefix of the log: equal hashes mean the committed logs agree. */
function committedHash(node: Introspect): string {
  let h = 0x811c9dc5;
  const text = JSON.stringify(node.log.slice(0, node.commitIndex));
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function parseRoute(
  method: string,
  path: string,
):
  | { op: (body: Record<string, unknown>) => Operation; answer: (r: unknown, key?: string) => unknown; key?: string }
  | undefined {
  if (path === "/incr" && method === "POST") return { op: () => ({ op: "incr" }), answer: (r) => ({ count: r }) };
  if (path === "/count" && method === "GET") return { op: () => ({ op: "read" }), answer: (r) => ({ count: r }) };
  const m = /^\/kv\/([^/]+)$/.exec(path);
  if (m) {
    const key = decodeURIComponent(m[1] as string);
    if (key.length > 256) throw new HttpError(400, "key longer than 256 characters");
    if (method === "GET") return { key, op: () => ({ op: "get", key }), answer: (r) => ({ key, value: r }) };
    if (method === "PUT")
      return {
        key,
        op: (body) => {
          if (typeof body.value !== "string") throw new HttpError(400, 'body must be {"value": "<string>"}');
          return { op: "put", key, value: body.value };
        },
        answer: () => ({ ok: true }),
      };
    throw new HttpError(405, `use GET or PUT on /kv/${key}`);
  }
  return undefined;
}

function clientIdentity(req: IncomingMessage, host: NodeHost): { clientId: string; seq: number } {
  const id = req.headers["x-client-id"];
  const seq = req.headers["x-request-seq"];
  if (id === undefined && seq === undefined)
    return { clientId: `http-${host.id}-${process.pid}-${++anonymous}`, seq: 1 };
  if (typeof id !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id))
    throw new HttpError(400, "x-client-id must be 1-64 characters of [A-Za-z0-9_.:-]");
  const n = Number(seq);
  if (typeof seq !== "string" || !Number.isSafeInteger(n) || n < 1)
    throw new HttpError(400, "x-request-seq must be a positive integer (with x-client-id)");
  return { clientId: id, seq: n };
}

/** Loaded by each node process by path (see real-cluster.ts). */
export const service: Service<Introspect> = {
  status(node) {
    return {
      role: node.role,
      term: node.currentTerm,
      commitIndex: node.commitIndex,
      lastApplied: node.lastApplied,
      logLength: node.log.length,
      counter: node.stateMachine?.counter ?? null,
      committedLogHash: committedHash(node),
    };
  },

  async handle(req: IncomingMessage, res: ServerResponse, host: NodeHost<Introspect>): Promise<boolean> {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0] as string;
    const route = parseRoute(method, path);
    if (!route) return false;
    const body = method === "GET" ? {} : await readJson(req);
    const { clientId, seq } = clientIdentity(req, host);
    const op = route.op(body);
    const msg: ClientRequest = { type: "ClientRequest", clientId, seq, op };
    const reply = (await host.request(
      clientId,
      msg,
      (m) =>
        (m as ClientReply)?.type === "ClientReply" &&
        (m as ClientReply).clientId === clientId &&
        (m as ClientReply).seq === seq,
      COMMIT_TIMEOUT_MS,
    )) as ClientReply | undefined;
    if (!reply)
      throw new HttpError(
        504,
        `not committed within ${COMMIT_TIMEOUT_MS} ms; retry with the same x-client-id and x-request-seq`,
        { node: host.id },
      );
    if (reply.status === "ok") {
      sendJson(res, 200, route.answer(reply.result), { "x-served-by": host.id });
      return true;
    }
    const leader = reply.leaderHint;
    if (leader === null || leader === host.id)
      throw new HttpError(503, "no leader known right now; retry shortly", { node: host.id });
    if (req.headers["x-forwarded-by"])
      throw new HttpError(503, `forwarded request reached a non-leader (leader hint ${leader}); retry`, {
        node: host.id,
      });
    const addr = host.httpAddressOf(leader);
    if (!addr)
      throw new HttpError(503, `leader hint ${leader}: no known address (not a cluster node, or not up yet); retry`);
    let forwarded: Response;
    try {
      forwarded = await fetch(`http://${addr.host}:${addr.port}${req.url ?? path}`, {
        method,
        headers: {
          "content-type": "application/json",
          "x-client-id": clientId,
          "x-request-seq": String(seq),
          "x-forwarded-by": host.id,
        },
        ...(method === "GET" ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
    } catch (err) {
      throw new HttpError(503, `leader ${leader} unreachable: ${(err as Error).message}; retry`, { node: host.id });
    }
    const text = await forwarded.text();
    res.writeHead(forwarded.status, {
      "content-type": "application/json",
      "x-served-by": forwarded.headers.get("x-served-by") ?? leader,
      "x-forwarded-by": host.id,
    });
    res.end(text);
    return true;
  },
};
