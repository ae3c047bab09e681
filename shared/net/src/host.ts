/**
 * One node process: the node on a NodeRuntime, its TCP transport to peers, its file disk, and
 * an HTTP server on loopback with the admin routes (status, faults, clock) and the lab's
 * service routes. Local client endpoints let HTTP requests talk to the node with the same
 * client messages a simulated client would send.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Node, NodeId } from "@faultline/sim";
import { FileDisk } from "./file-disk.ts";
import { NodeRuntime } from "./runtime.ts";
import { TcpTransport, type PeerAddress, type RealFaults } from "./transport.ts";
import { HttpError, readJson, sendError, sendJson } from "./http-util.ts";
import type { Service } from "./service.ts";

export interface HostConfig {
  id: NodeId;
  /**
   * Every node of the cluster: its HTTP address and its peer (TCP) address. Port 0 for this
   * node: the OS picks a free port (see `ports`); for another node: not known yet (updateCluster).
   */
  cluster: Record<NodeId, { http: PeerAddress; peer: PeerAddress }>;
  dataDir: string;
  seed: number;
  /** See NodeRuntime.timeScale (default 1). */
  timeScale?: number;
}

interface Waiter {
  match: (msg: unknown) => boolean;
  resolve: (msg: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class NodeHost<N = unknown> {
  readonly runtime: NodeRuntime<unknown, unknown>;
  readonly transport: TcpTransport;
  readonly disk: FileDisk;
  private server: Server | undefined;
  private waiters = new Map<NodeId, Waiter[]>();

  private readonly cluster: Record<NodeId, { http: PeerAddress; peer: PeerAddress }>;

  constructor(
    readonly config: HostConfig,
    readonly node: N & Node<unknown, unknown>,
    private readonly service: Service<N>,
    log: (line: string) => void,
    onFatal: (handler: string, err: unknown) => void,
  ) {
    const me = config.cluster[config.id];
    if (!me) throw new Error(`node ${config.id} is not in the cluster: ${Object.keys(config.cluster).join(", ")}`);
    const peers = Object.keys(config.cluster).filter((p) => p !== config.id);
    this.cluster = { ...config.cluster };
    this.disk = new FileDisk(config.dataDir);
    this.transport = new TcpTransport({
      id: config.id,
      listen: me.peer,
      peers: Object.fromEntries(peers.map((p) => [p, (config.cluster[p] as { peer: PeerAddress }).peer])),
      onMessage: (from, msg) => this.runtime.deliver(from, msg),
      log,
      seed: config.seed,
    });
    this.runtime = new NodeRuntime<unknown, unknown>(
      config.id,
      peers,
      node,
      this.disk,
      {
        send: (to, msg) => (this.transport.isPeer(to) ? this.transport.send(to, msg) : this.toClient(to, msg)),
        log,
        fatal: onFatal,
      },
      config.seed,
      config.timeScale ?? 1,
    );
  }

  get id(): NodeId {
    return this.config.id;
  }

  async start(): Promise<void> {
    await this.transport.listen();
    this.runtime.start();
    const me = this.config.cluster[this.config.id] as { http: PeerAddress; peer: PeerAddress };
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(me.http.port, me.http.host, () => resolve());
    });
    this.cluster[this.id] = {
      http: { host: me.http.host, port: this.ports.http },
      peer: { host: me.peer.host, port: this.transport.port },
    };
  }

  /** The ports this node listens on (the ones the OS picked where the config said 0). */
  get ports(): { http: number; peer: number } {
    const a = this.server?.address();
    if (!a || typeof a === "string") throw new Error(`${this.id}: the HTTP server is not up`);
    return { http: a.port, peer: this.transport.port };
  }

  /** New addresses of other nodes (started or restarted on ports the OS picked). */
  updateCluster(cluster: Record<NodeId, { http: PeerAddress; peer: PeerAddress }>): void {
    const peers: Record<NodeId, PeerAddress> = {};
    for (const [id, a] of Object.entries(cluster)) {
      if (id === this.id || !(id in this.cluster)) continue;
      this.cluster[id] = a;
      peers[id] = a.peer;
    }
    this.transport.setPeers(peers);
  }

  async stop(): Promise<void> {
    this.runtime.stop();
    for (const list of this.waiters.values()) for (const w of list) clearTimeout(w.timer);
    this.waiters.clear();
    await this.transport.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.disk.close();
  }

  /**
   * Send a client message to this node as client `clientId` and wait for the first message
   * back to that client accepted by `match`; undefined after `timeoutMs`.
   */
  request(clientId: NodeId, msg: unknown, match: (reply: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    if (this.transport.isPeer(clientId) || clientId === this.id)
      throw new HttpError(400, `client id "${clientId}" is a node id`);
    return new Promise((resolve) => {
      const list = this.waiters.get(clientId) ?? [];
      const w: Waiter = {
        match,
        resolve,
        timer: setTimeout(() => {
          this.removeWaiter(clientId, w);
          resolve(undefined);
        }, timeoutMs),
      };
      list.push(w);
      this.waiters.set(clientId, list);
      this.runtime.deliver(clientId, msg);
    });
  }

  /** The HTTP address of another node (to forward a request to the leader). */
  httpAddressOf(id: NodeId): PeerAddress | undefined {
    const a = this.cluster[id]?.http;
    return a && a.port !== 0 ? a : undefined;
  }

  private toClient(to: NodeId, msg: unknown): void {
    const list = this.waiters.get(to);
    const w = list?.find((x) => x.match(msg));
    if (!w) return; // a late or duplicate reply: the HTTP request already finished
    clearTimeout(w.timer);
    this.removeWaiter(to, w);
    w.resolve(msg);
  }

  private removeWaiter(client: NodeId, w: Waiter): void {
    const list = (this.waiters.get(client) ?? []).filter((x) => x !== w);
    if (list.length === 0) this.waiters.delete(client);
    else this.waiters.set(client, list);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? "/").split("?")[0] as string;
      if (path === "/status" && req.method === "GET") {
        sendJson(res, 200, {
          id: this.id,
          alive: this.runtime.alive,
          ...this.service.status(this.node),
          net: this.transport.counters,
        });
        return;
      }
      if (path === "/admin/faults") {
        if (req.method === "GET") return sendJson(res, 200, this.transport.getFaults());
        if (req.method === "POST") {
          const body = (await readJson(req)) as Partial<RealFaults>;
          try {
            return sendJson(res, 200, this.transport.setFaults(body));
          } catch (err) {
            throw new HttpError(400, (err as Error).message);
          }
        }
        throw new HttpError(405, "use GET or POST on /admin/faults");
      }
      if (path === "/admin/clock" && req.method === "POST") {
        const body = await readJson(req);
        if (typeof body.offsetMs !== "number" || !Number.isFinite(body.offsetMs))
          throw new HttpError(400, 'body must be {"offsetMs": <number>}');
        this.runtime.clockOffsetMs = body.offsetMs;
        return sendJson(res, 200, { offsetMs: body.offsetMs });
      }
      if (await this.service.handle(req, res, this)) return;
      throw new HttpError(404, `no route ${req.method} ${path}`, {
        routes: ["GET /status", "GET|POST /admin/faults", "POST /admin/clock"],
      });
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
  }
}
