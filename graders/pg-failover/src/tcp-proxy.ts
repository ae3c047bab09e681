/**
 * A fault-injecting TCP proxy on loopback, owned by the grader: every replication link (a
 * standby streaming from a primary) and every link of the controller to a server goes through
 * one, so a link can be delayed, cut one way or both, and healed while the servers run.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type Direction = "both" | "to-upstream" | "to-client";

/** One proxied connection; `torn` once a one-way cut swallowed some of its bytes. */
interface Pair {
  client: Socket;
  upstream: Socket;
  torn: boolean;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private delayMs = 0;
  /** Cut directions: bytes that way are held back (as on a link that drops everything). */
  private cutTo = new Set<Exclude<Direction, "both">>();
  private refuse = false;
  port = 0;

  private constructor(private upstreamPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(upstreamPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(upstreamPort);
    await new Promise<void>((resolve, reject) => {
      p.server.once("error", reject);
      p.server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = p.server.address();
    if (addr === null || typeof addr === "string") throw new Error("proxy without a port");
    p.port = addr.port;
    return p;
  }

  private accept(client: Socket): void {
    if (this.refuse) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: this.upstreamPort });
    const pair: Pair = { client, upstream, torn: false };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.pipe(pair, client, upstream, "to-upstream");
    this.pipe(pair, upstream, client, "to-client");
  }

  /** Forward `from` to `to` after the link's delay; a cut direction swallows its bytes. */
  private pipe(pair: Pair, from: Socket, to: Socket, dir: Exclude<Direction, "both">): void {
    from.on("data", (chunk: Buffer) => {
      if (this.cutTo.has(dir)) {
        pair.torn = true;
        return;
      }
      const send = () => {
        if (to.destroyed) return;
        if (this.cutTo.has(dir)) pair.torn = true;
        else to.write(chunk);
      };
      if (this.delayMs > 0) setTimeout(send, this.delayMs);
      else send();
    });
  }

  /** Delay every chunk by `ms` in both directions (order is kept: timers of equal delay fire in order). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /**
   * Cut the link. Both ways: open connections are reset and new ones refused (a peer that is
   * gone). One way: bytes in that direction vanish while the connections stay open (a peer that
   * goes silent), so only timeouts tell.
   */
  cut(dir: Direction = "both"): void {
    if (dir === "both") {
      this.refuse = true;
      for (const { client, upstream } of this.pairs) {
        client.destroy();
        upstream.destroy();
      }
      this.pairs.clear();
      return;
    }
    this.cutTo.add(dir);
  }

  heal(): void {
    this.refuse = false;
    this.cutTo.clear();
    this.delayMs = 0;
    // A stream with a hole cannot go on (TCP would have resent the bytes, or given up and
    // reset): connections that lost bytes are reset, and their peers connect again.
    for (const p of this.pairs)
      if (p.torn) {
        this.pairs.delete(p);
        p.client.destroy();
        p.upstream.destroy();
      }
  }

  /** Point the proxy at another port (a server restarted elsewhere); open connections are reset. */
  retarget(port: number): void {
    this.upstreamPort = port;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
