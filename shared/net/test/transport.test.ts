import { afterEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { TcpTransport } from "../src/index.ts";

async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    ports.push((s.address() as { port: number }).port);
    await new Promise<void>((r) => s.close(() => r()));
  }
  return ports;
}

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function pair(seed = 1) {
  const [pa, pb] = await freePorts(2);
  const got: Record<string, Array<{ from: string; msg: unknown }>> = { a: [], b: [] };
  const mk = (id: "a" | "b", port: number, peer: "a" | "b", peerPort: number) =>
    new TcpTransport({ id, listen: { host: "127.0.0.1", port }, peers: { [peer]: { host: "127.0.0.1", port: peerPort } }, onMessage: (from, msg) => got[id]!.push({ from, msg }), log: () => {}, seed });
  const a = mk("a", pa!, "b", pb!);
  const b = mk("b", pb!, "a", pa!);
  open.push(a, b);
  await Promise.all([a.listen(), b.listen()]);
  return { a, b, got };
}

const until = async (cond: () => boolean, ms = 5000) => {
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
  });

  it("drops about the configured fraction", async () => {
    const { a, got } = await pair(7);
    a.setFaults({ drop: 0.3 });
    for (let n = 0; n < 2000; n++) a.send("b", { n });
    await until(() => got.b!.length + a.counters.dropped === 2000);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.b!.length).toBe(2000 - a.counters.dropped);
    expect(Math.abs(a.counters.dropped / 2000 - 0.3)).toBeLessThan(0.05);
  });

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
    await until(() => got.a!.length === 1);
  });

  it("rejects bad fault settings and unknown peers clearly", async () => {
    const { a } = await pair();
    expect(() => a.setFaults({ drop: 2 })).toThrow(/drop must be in \[0, 1\]/);
    expect(() => a.setFaults({ blocked: ["zz"] })).toThrow(/blocked must list peers among b/);
    expect(() => a.send("zz", {})).toThrow(/unknown node "zz"/);
  });
});
