import { PGlite } from "@electric-sql/pglite";
import { cpSync, mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = "/tmp/pgl-template";
if (!existsSync(dir)) { const db = await PGlite.create(dir); await db.close(); console.log("made template"); process.exit(0); }
console.log("rss base", process.memoryUsage().rss/1e6);
for (const mode of process.argv.slice(2)) {
const d2 = mkdtempSync(join(tmpdir(), "pgl-"));
cpSync(dir, d2, { recursive: true });
let t = Date.now();
const opts: any = mode === "small" ? { startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=8MB", "-c", "work_mem=1MB"] } : {};
const db2 = await PGlite.create(d2, opts);
await db2.exec("CREATE TABLE t (id SERIAL PRIMARY KEY, k TEXT UNIQUE)");
for (let i = 0; i < 200; i++) await db2.query("INSERT INTO t (k) VALUES ($1)", ["k" + i]);
console.log(mode, "reopen+200", Date.now() - t, process.memoryUsage().rss/1e6);
await db2.close();
}
console.log(process.resourceUsage().maxRSS/1024);
