/**
 * Real links between node processes: TCP on loopback, newline-delimited JSON frames
 * `{"from": id, "msg": ...}`, one outgoing connection per peer with reconnect and exponential
 * backoff, and bounded send queues (oldest dropped first, counted). The shared transport's
 * faults apply here too, changeable at run time: drop rate, added delay with jitter (which
 * reorders), and blocked peers (a partition: nothing sent to or accepted from them).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Rng, type NodeId } from "@faultline/sim";

export interface PeerAddress {
  host: string;
  port: number;
}

export interface RealFaults {
  /** Probability that an outgoing message is lost. */
  drop: number;
  /** Added one-way delay in ms. */
  delayMs: number;
  /** Extra uniform random delay in [0, jitterMs) ms (reorders messages). */
  jitterMs: number;
  /** Peers this node neither sends to nor accepts messages from. */
  blocked: NodeId[];
}

export const NO_FAULTS: RealFaults = Object.freeze({
  drop: 0,
  delayMs: 0,
  jitterMs: 0,
  blocked: [] as NodeId[],
}) as RealFaults;

export interface TransportOptions {
  id: NodeId;
  /** Port 0: the operating system picks a free one (read it from `port` after listen). */
  listen: PeerAddress;
  /** A peer with port 0 is not known yet: messages to it queue until setPeers names it. */
  peers: Record<NodeId, PeerAddress>;
  onMessage: (from: NodeId, msg: unknown) => void;
  log: (line: string) => void;
  seed: number;
  /** Most messages queued per peer while it is unreachable (default 10,000). */
  maxQueue?: number;
}

const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const BACKOFF_MIN_MS = 25;
const BACKOFF_MAX_MS = 1000;

interface Link {
  socket: Socket | undefined;
  connected: boolean;
  queue: string[];
  backoff: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

export class TcpTransport {
  private server: Server | undefined;
  private readonly peers: Record<NodeId, PeerAddress>;
  private links = new Map<NodeId, Link>();
  private inbound = new Set<Socket>();
  private pendingDelays = new Set<ReturnType<typeof setTimeout>>();
  private faults: RealFaults = { ...NO_FAULTS, blocked: [] };
  private readonly rng: Rng;
  private closed = false;
  readonly counters = { sent: 0, received: 0, dropped: 0, overflow: 0 };

  constructor(private readonly opts: TransportOptions) {
    this.rng = new Rng(opts.seed, `transport:${opts.id}`);
    this.peers = { ...opts.peers };
    for (const id of Object.keys(opts.peers))
      this.links.set(id, { socket: undefined, connected: false, queue: [], backoff: BACKOFF_MIN_MS, retry: undefined });
  }

  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => resolve());
    });
    for (const id of this.links.keys()) this.connect(id);
  }

  /** The port this node listens on for peers (the one the OS picked when asked for 0). */
  get port(): number {
    const a = this.server?.address();
    if (!a || typeof a === "string") throw new Error(`${this.opts.id}: the peer listener is not up`);
    return a.port;
  }

  /** Learn peers' addresses (a peer restarted on a new port): links to a moved peer reconnect at once. */
  setPeers(peers: Record<NodeId, PeerAddress>): void {
    for (const [id, addr] of Object.entries(peers)) {
      const link = this.links.get(id);
      const old = this.peers[id];
      if (!link || (old && old.host === addr.host && old.port === addr.port)) continue;
      this.peers[id] = { host: addr.host, port: addr.port };
      if (this.closed || this.server === undefined) continue;
      if (link.retry) clearTimeout(link.retry);
      link.retry = undefined;
      link.backoff = BACKOFF_MIN_MS;
      const s = link.socket;
      link.socket = undefined;
      link.connected = false;
      s?.destroy();
      this.connect(id);
    }
  }

  getFaults(): RealFaults {
    return { ...this.faults, blocked: [...this.faults.blocked] };
  }

  setFaults(f: Partial<RealFaults>): RealFaults {
    const next = { ...this.faults, ...f };
    if (!(next.drop >= 0 && next.drop <= 1)) throw new RangeError(`drop must be in [0, 1], got ${next.drop}`);
    if (!(next.delayMs >= 0 && next.delayMs <= 60_000) || !(next.jitterMs >= 0 && next.jitterMs <= 60_000))
      throw new RangeError("delayMs and jitterMs must be in [0, 60000]");
    if (!Array.isArray(next.blocked) || next.blocked.some((p) => !this.links.has(p)))
      throw new RangeError(`blocked must list peers among ${[...this.links.keys()].join(", ")}`);
    this.faults = { ...next, blocked: [...next.blocked] };
    this.opts.log(`faults ${JSON.stringify(this.faults)}`);
    return this.getFaults();
  }

  isPeer(id: NodeId): boolean {
    return this.links.has(id);
  }

  send(to: NodeId, msg: unknown): void {
    const link = this.links.get(to);
    if (!link)
      throw new RangeError(`${this.opts.id} sent to unknown node "${to}"; peers: ${[...this.links.keys()].join(", ")}`);
    const frame = `${JSON.stringify({ from: this.opts.id, msg })}\n`;
    this.counters.sent++;
    if (this.faults.blocked.includes(to) || this.rng.chance(this.faults.drop)) {
      this.counters.dropped++;
      return;
    }
    const delay = this.faults.delayMs + (this.faults.jitterMs > 0 ? this.rng.next() * this.faults.jitterMs : 0);
    if (delay <= 0) this.enqueue(link, frame);
    else {
      const t = setTimeout(() => {
        this.pendingDelays.delete(t);
        if (!this.closed) this.enqueue(link, frame);
      }, delay);
      this.pendingDelays.add(t);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.pendingDelays) clearTimeout(t);
    for (const link of this.links.values()) {
      if (link.retry) clearTimeout(link.retry);
      link.socket?.destroy();
    }
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private enqueue(link: Link, frame: string): void {
    if (link.connected && link.socket) {
      link.socket.write(frame);
      return;
    }
    link.queue.push(frame);
    if (link.queue.length > (this.opts.maxQueue ?? 10_000)) {
      link.queue.shift();
      this.counters.overflow++;
    }
  }

  private connect(id: NodeId): void {
    if (this.closed) return;
    const link = this.links.get(id) as Link;
    const addr = this.peers[id] as PeerAddress;
    if (addr.port === 0) return; // not known yet: setPeers connects
    const socket = createConnection({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    link.socket = socket;
    socket.on("connect", () => {
      link.connected = true;
      link.backoff = BACKOFF_MIN_MS;
      const queued = link.queue;
      link.queue = [];
      for (const f of queued) socket.write(f);
    });
    socket.on("data", () => {}); // peers never answer on our outgoing connection
    const retry = () => {
      if (link.socket !== socket) return;
      link.connected = false;
      link.socket = undefined;
      socket.destroy();
      if (this.closed) return;
      link.retry = setTimeout(() => this.connect(id), link.backoff);
      link.backoff = Math.min(BACKOFF_MAX_MS, link.backoff * 2);
    };
    socket.on("error", retry);
    socket.on("close", retry);
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_FRAME_BYTES) {
        this.opts.log(`inbound frame over ${MAX_FRAME_BYTES} bytes; closing connection`);
        socket.destroy();
        return;
      }
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.length === 0) continue;
        let frame: { from?: unknown; msg?: unknown };
        try {
          frame = JSON.parse(line) as { from?: unknown; msg?: unknown };
        } catch {
          this.opts.log(`malformed frame ignored: ${line.slice(0, 80)}`);
          continue;
        }
        if (typeof frame.from !== "string" || !this.links.has(frame.from)) {
          this.opts.log(`frame from unknown sender ignored: ${String(frame.from)}`);
          continue;
        }
        if (this.faults.blocked.includes(frame.from)) {
          this.counters.dropped++;
          continue;
        }
        this.counters.received++;
        this.opts.onMessage(frame.from, frame.msg);
      }
    });
    const done = () => this.inbound.delete(socket);
    socket.on("close", done);
    socket.on("error", done);
  }
}
