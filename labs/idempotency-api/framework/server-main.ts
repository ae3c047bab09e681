/**
 * Run the API server as a process.
 *
 * By hand (from labs/idempotency-api):
 *   pnpm serve                      your code in src/, PGlite in ./.pgdata, a local provider
 *   pnpm serve --impl reference     the reference solution
 *   PORT=4000 DATABASE_URL=postgres://... pnpm serve
 *
 * The grader runs your code differently: bundled with host.ts, in processes under Node's
 * permission model (see host.ts).
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join, resolve } from "node:path";
import { openDb } from "./db.ts";
import { ProviderServer } from "./provider.ts";
import { startApiServer } from "./server.ts";
import type { ChargeHandler, ServiceDeps } from "./types.ts";

type Impl = { createChargeHandler: (deps: ServiceDeps) => ChargeHandler };

async function standalone(argv: string[]): Promise<void> {
  const labDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const i = argv.indexOf("--impl");
  const spec = i >= 0 ? (argv[i + 1] ?? "stub") : "stub";
  const implPath =
    spec === "stub" || spec === "src"
      ? join(labDir, "src/index.ts")
      : spec === "reference"
        ? join(labDir, "reference/index.ts")
        : resolve(spec);
  const impl = (await import(pathToFileURL(implPath).href)) as Impl;
  const provider = await new ProviderServer({ random: Math.random }).start();
  const url = process.env.DATABASE_URL;
  const db = await openDb(
    url
      ? { kind: "postgres", url, schema: process.env.DB_SCHEMA ?? "idempotency_api" }
      : { kind: "pglite", dataDir: join(labDir, ".pgdata") },
  );
  const server = await startApiServer({
    createChargeHandler: impl.createChargeHandler,
    db,
    providerUrl: provider.url,
    port: Number(process.env.PORT ?? 3000),
  });
  console.log(`idempotency-api (${spec}) on ${server.url}, database: ${db.kind}, provider: ${provider.url}`);
  console.log(
    `try: curl -i -X POST ${server.url}/charges -H 'authorization: Bearer alice' -H 'idempotency-key: order-0001' -H 'content-type: application/json' -d '{"amount":1200,"currency":"usd","source":"tok_visa"}'`,
  );
  const stop = async () => {
    await server.close();
    await provider.close();
    await db.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

standalone(process.argv.slice(2)).catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
