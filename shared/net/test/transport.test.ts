import { afterEach, describe, expect, it } from "vitest";
import { TcpTransport } from "../src/index.ts";

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const HOST = "127.0.0.1";

/** Two transports on ports from the OS (port 0), then told each other's port. */
async function pair(seed = 1) {
  const got: Record<string, Array<{ from: string; msg: unknown }>> = { a: [], b: [] };
  const mk = (id: "a" | "b", peer: "a" | "b") =>
    new TcpTransport({
      id,
      listen: { host: HOST, port: 0 },
      peers: { [peer]: { host: HOST, port: 0 } },
      onMessage: (from, msg) => got[id]!.push({ from, msg }),
      log: () => {},
      seed,
    });
  const a = mk("a", "b");
  const b = mk("b", "a");
  open.push(a, b);
  await Promise.all([a.listen(), b.listen()]);
  a.setPeers({ b: { host: HOST, port: b.port } });
  b.setPeers({ a: { host: HOST, port: a.port } });
  return { a, b, got, mk };
}

// A generous deadline, polled: a busy machine may be slow, never wrong.
const until = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("TcpTransport: real links with the shared transport's faults", () => {
  it("delivers JSON messages in order on a healthy link (queued until connected)", async () => {
    const { a, got } = await pair();
    for (let n = 0; n < 100; n++) a.send("b", { n });
    await until(() => got.b!.length === 100);
    expect(got.b!.map((g) => (g.msg as { n: number }).n)).toEqual([...Array(100).keys()]);
    expect(got.b![0]!.from).toBe("a");
  }, 60_000);

  it("drops about the configured fraction", async () => {
    const { a, got } = await pair(7);
    a.setFaults({ drop: 0.3 });
    for (let n = 0; n < 2000; n++) a.send("b", { n });
    await until(() => got.b!.length + a.counters.dropped === 2000);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.b!.length).toBe(2000 - a.counters.dropped);
    expect(Math.abs(a.counters.dropped / 2000 - 0.3)).toBeLessThan(0.05);
  }, 60_000);

  it("adds delay, and blocks a peer in both directions (partition)", async () => {
    const { a, b, got } = await pair();
    a.setFaults({ delayMs: 150 });
    const t0 = Date.now();
    a.send("b", { n: 1 });
    await until(() => got.b!.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    a.setFaults({ delayMs: 0, blocked: ["b"] });
    a.send("b", { n: 2 });
    b.send("a", { n: 3 }); // b sends fine, a refuses it
    await new Promise((r) => setTimeout(r, 200));
    expect(got.b!.length).toBe(1);
    expect(got.a!.length).toBe(0);
    a.setFaults({ blocked: [] });
    b.send("a", { n: 4 });
    a.send("b", { n: 5 });
    await until(() => got.a!.length >= 1 && got.b!.length >= 2);
    expect(got.a!.map((g) => g.msg)).toEqual([{ n: 4 }]); // n: 3 was refused, not held back
    expect(got.b!.map((g) => g.msg)).toEqual([{ n: 1 }, { n: 5 }]);
  }, 60_000);

  it("queues messages to a peer whose port is not known yet, and follows a peer to a new port", async () => {
    const { a, b, got, mk } = await pair();
    a.send("b", { n: 1 });
    await until(() => got.b!.length === 1);
    await b.close();
    const b2 = mk("b", "a"); // b restarted: a new process on a new port from the OS
    open.push(b2);
    await b2.listen();
    a.setPeers({ b: { host: HOST, port: b2.port } });
    // A message sent as a link dies may be lost (as on any network): resend until one arrives.
    for (let n = 2; got.b!.length < 2; n++) {
      a.send("b", { n });
      await until(() => got.b!.length >= 2, 50).catch(() => {});
    }
    expect(got.b!.map((g) => g.from)).toEqual(["a", "a"]);
  }, 60_000);

  it("queues messages for a peer whose port is not known yet (port 0) and delivers them once setPeers names it", async () => {
    const got: unknown[] = [];
    const b = new TcpTransport({
      id: "b",
      listen: { host: HOST, port: 0 },
      peers: { a: { host: HOST, port: 0 } },
      onMessage: (_f, msg) => got.push(msg),
      log: () => {},
      seed: 1,
    });
    const a = new TcpTransport({
      id: "a",
      listen: { host: HOST, port: 0 },
      peers: { b: { host: HOST, port: 0 } },
      onMessage: () => {},
      log: () => {},
      seed: 1,
    });
    open.push(a, b);
    await Promise.all([a.listen(), b.listen()]);
    a.send("b", { n: 1 }); // queued: b's port is not known yet
    a.setPeers({ b: { host: HOST, port: b.port } });
    await until(() => got.length === 1);
    expect(got).toEqual([{ n: 1 }]);
  }, 60_000);

  it("rejects bad fault settings and unknown peers clearly", async () => {
    const { a } = await pair();
    expect(() => a.setFaults({ drop: 2 })).toThrow(/drop must be in \[0, 1\]/);
    expect(() => a.setFaults({ blocked: ["zz"] })).toThrow(/blocked must list peers among b/);
    expect(() => a.send("zz", {})).toThrow(/unknown node "zz"/);
  });
});
