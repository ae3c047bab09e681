/**
 * Entry point of one node process (started by the launcher):
 *   node --import tsx node-main.ts '<json NodeProcessConfig>'
 * Prints "READY <id> http=<port> peer=<port>" once the node, its peer listener and its HTTP
 * server are up (ports the OS picked where the config says 0). Reads lines of JSON
 * {"cluster": {...}} on stdin: the other nodes' addresses as they become known.
 */
import { pathToFileURL } from "node:url";
import { NodeHost, type HostConfig } from "./host.ts";
import { loadService, type Service, type ServiceRef } from "./service.ts";

export interface NodeProcessConfig extends HostConfig {
  /** Module file exporting the node class (the lab's src, reference, a mutant or a submission). */
  implPath: string;
  /** Name of the exported node class. */
  exportName: string;
  /** The lab's HTTP service. */
  service: ServiceRef;
}

const stamp = () => new Date().toISOString();
const config = JSON.parse(process.argv[2] ?? "{}") as NodeProcessConfig;
const log = (line: string) => process.stdout.write(`${stamp()} ${config.id} ${line}\n`);

let service: Service;
try {
  service = await loadService(config.service);
} catch (err) {
  log(`FATAL: the service does not load: ${(err as Error).message}`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(config.implPath).href)) as Record<string, unknown>;
const Ctor = mod[config.exportName] as (new () => unknown) | undefined;
if (typeof Ctor !== "function") {
  log(`${config.implPath} does not export a class "${config.exportName}"`);
  process.exit(2);
}
const host = new NodeHost(config, new Ctor() as never, service, log, (handler, err) => {
  log(`FATAL: ${handler} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  if (err instanceof Error && err.stack) log(err.stack);
  process.exit(70);
});
await host.start();
log(`READY ${config.id} http=${host.ports.http} peer=${host.ports.peer}`);
const shutdown = () => {
  void host.stop().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
// The launcher holds our stdin open; when it goes away (even killed, or a grader worker thread
// terminated by its watchdog), stdin closes and this node stops instead of lingering.
if (!process.stdin.isTTY) {
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === "") continue;
      try {
        const m = JSON.parse(line) as { cluster?: NodeProcessConfig["cluster"] };
        if (m.cluster) host.updateCluster(m.cluster);
      } catch (err) {
        log(`bad control line ignored (${(err as Error).message}): ${line.slice(0, 80)}`);
      }
    }
  });
  process.stdin.on("close", () => process.exit(0));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
