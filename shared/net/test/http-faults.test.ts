import { afterEach, describe, expect, it } from "vitest";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { planFor, startHttpFaultProxy, type HttpFaultProxy } from "../src/http-faults.ts";

interface Upstream {
  url: string;
  hits: Array<{ method: string; url: string; key: string | undefined; body: string }>;
  close(): Promise<void>;
}

async function upstream(): Promise<Upstream> {
  const hits: Upstream["hits"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      hits.push({
        method: req.method ?? "",
        url: req.url ?? "",
        key: req.headers["idempotency-key"] as string | undefined,
        body,
      });
      res.writeHead(201, { "content-type": "application/json", "x-echo": "yes" });
      res.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 2_000,
): Promise<{ status: number; body: string; headers: Record<string, unknown> } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }),
        );
        res.on("error", (e) => resolve({ error: e.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ error: e.message }));
    req.end(body);
  });
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(
  opts: Omit<Parameters<typeof startHttpFaultProxy>[0], "target">,
): Promise<{ up: Upstream; proxy: HttpFaultProxy }> {
  const up = await upstream();
  cleanups.push(() => up.close());
  const proxy = await startHttpFaultProxy({ ...opts, target: up.url });
  cleanups.push(() => proxy.close());
  return { up, proxy };
}

describe("http fault proxy", () => {
  it("binds 127.0.0.1 and forwards faithfully without faults", async () => {
    const { up, proxy } = await setup({ seed: 1 });
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await post(`${proxy.url}/charges?x=1`, '{"a":1}', { "idempotency-key": "k1" });
    expect(r).toMatchObject({ status: 201, body: JSON.stringify({ echo: '{"a":1}' }) });
    expect("headers" in r && r.headers["x-echo"]).toBe("yes");
    expect(up.hits).toEqual([{ method: "POST", url: "/charges?x=1", key: "k1", body: '{"a":1}' }]);
    expect(proxy.stats).toMatchObject({ requests: 1, forwarded: 1, lostRequests: 0, lostResponses: 0 });
  });

  it("loses requests: the client sees a reset and the server sees nothing", async () => {
    const { up, proxy } = await setup({ seed: 1, faults: { loseRequest: 1 } });
    const r = await post(proxy.url, "{}");
    expect("error" in r).toBe(true);
    expect(up.hits).toHaveLength(0);
    expect(proxy.stats.lostRequests).toBe(1);
  });

  it("loses responses after the server handled the request", async () => {
    const { up, proxy } = await setup({ seed: 1, faults: { loseResponse: 1 } });
    const r = await post(proxy.url, "{}");
    expect("error" in r).toBe(true);
    expect(up.hits).toHaveLength(1);
    expect(proxy.events.map((e) => e.kind)).toEqual(["lost-response"]);
  });

  it("holds a lost response in hang mode until holdMs", async () => {
    const { up, proxy } = await setup({ seed: 1, faults: { loseResponse: 1 }, lostResponseMode: "hang", holdMs: 300 });
    const t = Date.now();
    const r = await post(proxy.url, "{}", {}, 5_000);
    expect("error" in r).toBe(true);
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    expect(up.hits).toHaveLength(1);
  });

  it("duplicates requests: the server sees two, the client one answer", async () => {
    const { up, proxy } = await setup({ seed: 1, faults: { duplicate: 1 } });
    const r = await post(proxy.url, '{"n":1}', { "idempotency-key": "dup" });
    expect(r).toMatchObject({ status: 201 });
    for (let i = 0; i < 50 && up.hits.length < 2; i++) await new Promise((res) => setTimeout(res, 10));
    expect(up.hits.map((h) => h.key)).toEqual(["dup", "dup"]);
  });

  it("delays requests and replies within the configured range", async () => {
    const { proxy } = await setup({ seed: 3, faults: { delay: 1, delayMs: [80, 100] } });
    const t = Date.now();
    const r = await post(proxy.url, "{}");
    expect(r).toMatchObject({ status: 201 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(150);
    expect(proxy.stats.delayed).toBe(2);
  });

  it("draws the same plan for the same seed, key and occurrence, whatever the order", () => {
    const faults = { loseRequest: 0.3, loseResponse: 0.3, duplicate: 0.3, delay: 0.5 };
    const a = Array.from({ length: 40 }, (_, i) => planFor(7, "s", `k${i % 5}`, Math.floor(i / 5), faults));
    const b = Array.from({ length: 40 }, (_, i) => planFor(7, "s", `k${i % 5}`, Math.floor(i / 5), faults));
    expect(a).toEqual(b);
    const c = Array.from({ length: 40 }, (_, i) => planFor(8, "s", `k${i % 5}`, Math.floor(i / 5), faults));
    expect(c).not.toEqual(a);
    expect(a.some((p) => p.loseRequest) && a.some((p) => p.loseResponse) && a.some((p) => p.duplicate)).toBe(true);
    for (const p of a) expect(p.loseRequest && p.loseResponse).toBe(false);
  });

  it("gives concurrent clients a reproducible fault pattern per key", async () => {
    const faults = { loseRequest: 0.3, loseResponse: 0.3 };
    const outcome = async () => {
      const { proxy } = await setup({ seed: 11, faults });
      const rs = await Promise.all(
        Array.from({ length: 12 }, (_, i) => post(proxy.url, "{}", { "idempotency-key": `key-${i}` })),
      );
      return rs.map((r) => ("error" in r ? "lost" : r.status));
    };
    expect(await outcome()).toEqual(await outcome());
  });

  it("lets a test script faults per request", async () => {
    const { up, proxy } = await setup({
      seed: 1,
      decide: (info) => (info.occurrence < 2 ? { loseRequest: true } : undefined),
    });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await post(proxy.url, "{}", { "idempotency-key": "same" }));
    expect(results.map((r) => ("error" in r ? "lost" : r.status))).toEqual(["lost", "lost", 201]);
    expect(up.hits).toHaveLength(1);
  });

  it("answers a scripted request itself, as a gateway would, and forwards nothing", async () => {
    const { up, proxy } = await setup({
      seed: 1,
      decide: (info) =>
        info.occurrence === 0
          ? { answer: { status: 429 } }
          : info.occurrence === 1
            ? { answer: { status: 500, contentType: "application/problem+json", body: '{"type":"x"}' } }
            : undefined,
    });
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(await post(proxy.url, "{}", { "idempotency-key": "same" }));
    expect(rs.map((r) => ("error" in r ? "lost" : [r.status, r.body, r.headers["content-type"]]))).toEqual([
      [429, "Too Many Requests", "text/plain"],
      [500, '{"type":"x"}', "application/problem+json"],
      [201, JSON.stringify({ echo: "{}" }), "application/json"],
    ]);
    expect(up.hits).toHaveLength(1);
    expect(proxy.stats.answered).toBe(2);
    expect(proxy.events.filter((e) => e.kind === "answered").map((e) => e.status)).toEqual([429, 500]);
  });

  it("is bounded: over maxRequests it answers 503 and forwards nothing", async () => {
    const { up, proxy } = await setup({ seed: 1, maxRequests: 2 });
    const rs = [];
    for (let i = 0; i < 4; i++) rs.push(await post(proxy.url, "{}"));
    expect(rs.map((r) => ("error" in r ? "lost" : r.status))).toEqual([201, 201, 503, 503]);
    expect(up.hits).toHaveLength(2);
  });

  it("resets the client when the upstream is down, and can be pointed elsewhere", async () => {
    const { up, proxy } = await setup({ seed: 1 });
    const other = await upstream();
    cleanups.push(() => other.close());
    await up.close();
    const r = await post(proxy.url, "{}");
    expect("error" in r).toBe(true);
    expect(proxy.stats.upstreamErrors).toBe(1);
    proxy.setTarget(other.url);
    expect(await post(proxy.url, "{}")).toMatchObject({ status: 201 });
  });

  it("refuses non-loopback targets", async () => {
    await expect(startHttpFaultProxy({ target: "http://10.1.2.3:80", seed: 1 })).rejects.toThrow(/loopback/);
  });

  it("closes promptly while a lost response is being held", async () => {
    const { proxy } = await setup({ seed: 1, faults: { loseResponse: 1 }, lostResponseMode: "hang", holdMs: 30_000 });
    const pending = post(proxy.url, "{}", {}, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await proxy.close();
    const r = await pending;
    expect("error" in r).toBe(true);
    expect(Date.now() - t).toBeLessThan(2_000);
  });
});
