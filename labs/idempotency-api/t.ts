import { newPgliteDataDir, ProviderServer, spawnServer } from "./framework/index.ts";
const dataDir = await newPgliteDataDir();
const provider = await new ProviderServer({ random: Math.random }).start();
const cfg = { implUrl: new URL("./reference/index.ts", import.meta.url).href, db: { kind: "pglite" as const, dataDir }, providerUrl: provider.url, adminToken: "adm" };
for (let i = 0; i < 3; i++) { const t = Date.now(); const s = await spawnServer(cfg); console.log("spawn", Date.now() - t); await s.kill(); }
await provider.close();
