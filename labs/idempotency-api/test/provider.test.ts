import { afterEach, describe, expect, it } from "vitest";
import { ProviderClient, ProviderServer, ProviderUnavailable, sendHttp } from "../framework/index.ts";

let provider: ProviderServer | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

const charge = { amount: 500, currency: "usd", source: "tok_visa", description: "t1" };

describe("the provider", () => {
  it("charges once per idempotency key and replays the first result", async () => {
    provider = await new ProviderServer({ random: () => 0.5 }).start();
    const client = new ProviderClient(provider.url);
    const a = await client.charge(charge, { idempotencyKey: "k1" });
    const b = await client.charge(charge, { idempotencyKey: "k1" });
    expect(a).toEqual(b);
    expect(a.outcome).toBe("succeeded");
    expect(provider.charges()).toHaveLength(1);
    await client.charge(charge, {});
    await client.charge(charge, {});
    expect(provider.charges()).toHaveLength(3);
  });

  it("refuses a key reused with other parameters and declines tok_declined", async () => {
    provider = await new ProviderServer({ random: () => 0.5 }).start();
    const client = new ProviderClient(provider.url);
    await client.charge(charge, { idempotencyKey: "k2" });
    await expect(client.charge({ ...charge, amount: 501 }, { idempotencyKey: "k2" })).rejects.toThrow(/422/);
    const d = await client.charge({ ...charge, source: "tok_declined" }, { idempotencyKey: "k3" });
    expect(d.outcome).toBe("declined");
    expect(provider.charges()).toHaveLength(1);
  });

  it("reports outages and ambiguous failures as ProviderUnavailable", async () => {
    provider = await new ProviderServer({ random: () => 0.5, faults: { down: true } }).start();
    const client = new ProviderClient(provider.url);
    await expect(client.charge(charge, { idempotencyKey: "k4" })).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(provider.charges()).toHaveLength(0);
    provider.faults = { failAfterCharge: 1 };
    await expect(client.charge(charge, { idempotencyKey: "k5" })).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(provider.charges()).toHaveLength(1);
    provider.faults = {};
    const again = await client.charge(charge, { idempotencyKey: "k5" });
    expect(again.outcome).toBe("succeeded");
    expect(provider.charges()).toHaveLength(1);
  });

  it("times out a slow provider and answers unknown routes with 404", async () => {
    provider = await new ProviderServer({ random: () => 0.5, faults: { latencyMs: [500, 500] } }).start();
    await expect(new ProviderClient(provider.url, 100).charge(charge, {})).rejects.toBeInstanceOf(ProviderUnavailable);
    const r = await sendHttp({ url: `${provider.url}/nope`, method: "POST", headers: {}, body: "", timeoutMs: 2_000 });
    expect(r.status).toBe(404);
  });
});
