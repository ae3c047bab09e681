/**
 * `faultline cluster <lab>`: the lab's node as real OS processes on loopback, with an HTTP API
 * on each node's port, until Ctrl-C. The same node class the simulator graded, unchanged.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { courseRoot, graderModulePath, knownLabs, resolveImpl } from "@faultline/grading";
import { Cluster, type RealClusterSpec } from "@faultline/net";
import { intFlag, parseCommand, say, UsageError, type Io } from "../io.ts";
import { requireLab } from "../labs.ts";

const USAGE =
  "faultline cluster <lab> [--nodes N] [--base-port P (0: free ports from the OS)] [--host H] [--impl stub|reference|mutant:<name>|<dir>] [--data-dir DIR] [--time-scale K] [--no-restart]";

/** A node that dies sooner than this after it started is crash-looping: it is not restarted again. */
const CRASH_LOOP_MS = 5_000;

/** A lab runs as a cluster when its grader says how: `realCluster` in graders/<lab>/src/real-cluster.ts. */
const specFile = (lab: string) => join(dirname(graderModulePath(lab)), "real-cluster.ts");

async function realClusterOf(lab: string): Promise<RealClusterSpec | undefined> {
  if (!existsSync(specFile(lab))) return undefined;
  return ((await import(pathToFileURL(specFile(lab)).href)) as { realCluster?: RealClusterSpec }).realCluster;
}

export async function clusterCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(
    "cluster",
    argv,
    {
      nodes: { type: "string" },
      "base-port": { type: "string" },
      host: { type: "string" },
      impl: { type: "string" },
      "data-dir": { type: "string" },
      "time-scale": { type: "string" },
      "no-restart": { type: "boolean" },
      help: { type: "boolean" },
    },
    USAGE,
  );
  if (values.help) {
    say(io.out, `usage: ${USAGE}`);
    return 0;
  }
  const lab = positionals[0];
  if (!lab || positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  requireLab(lab);
  const spec = await realClusterOf(lab);
  if (!spec)
    throw new UsageError(
      `cluster runs labs with an HTTP face: ${knownLabs()
        .filter((l) => existsSync(specFile(l)))
        .join(", ")} (not ${lab})`,
    );
  const nodes = intFlag("nodes", values.nodes, 1) ?? 3;
  const basePort = values["base-port"] === "0" ? 0 : (intFlag("base-port", values["base-port"], 1024) ?? 8001);
  const timeScale = intFlag("time-scale", values["time-scale"], 1) ?? 1;
  const host = values.host ?? "127.0.0.1";
  let implPath: string;
  try {
    implPath = resolveImpl(lab, values.impl ?? process.env.FAULTLINE_IMPL ?? "stub", undefined, io.cwd);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = values["data-dir"] ?? mkdtempSync(join(tmpdir(), `faultline-${lab}-`));
  const restart = values["no-restart"] !== true;
  const startedAt = new Map<string, number>();
  let stopping = false;
  const nodeLine = (id: string) => `${id}  pid ${cluster.pid(id) ?? "?"}  ${cluster.url(id)}`;
  // A node killed from outside (kill -9 <pid>: a crash) is said, and restarted on its disk.
  const onUnexpectedExit = (id: string, code: number | null, signal: NodeJS.Signals | null) => {
    if (stopping) return;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const log = join(dir, "logs", `${id}.log`);
    if (!restart) return say(io.out, `${id} ${how}; not restarted (--no-restart); its log: ${log}`);
    if (Date.now() - (startedAt.get(id) ?? 0) < CRASH_LOOP_MS)
      return say(
        io.out,
        `${id} ${how} within ${CRASH_LOOP_MS / 1000} s of starting; not restarted again, see its log: ${log}`,
      );
    say(io.out, `${id} ${how}; restarting it on its disk ...`);
    startedAt.set(id, Date.now());
    cluster.startNode(id).then(
      () => say(io.out, `${nodeLine(id)}  restarted`),
      (err: Error) => say(io.err, `faultline: ${id} did not restart: ${err.message}`),
    );
  };
  const cluster = new Cluster({
    implPath,
    exportName: spec.exportName,
    service: spec.service,
    nodes,
    basePort,
    host,
    dataDir: join(dir, "data"),
    logDir: join(dir, "logs"),
    timeScale,
    onUnexpectedExit,
  });
  say(io.out, `starting ${nodes} ${lab} nodes (${implPath.replace(`${courseRoot()}/`, "")}) ...`);
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    say(io.err, `faultline: the cluster did not start: ${(err as Error).message}`);
    return 1;
  }
  for (const id of cluster.ids) startedAt.set(id, Date.now());
  for (const id of cluster.ids) say(io.out, `  ${nodeLine(id)}`);
  say(io.out, `routes on every node: ${spec.routes.join(", ")}`);
  if (spec.tryFirst) say(io.out, `try: ${spec.tryFirst(cluster.url("n1"))}`);
  say(io.out, `disks in ${join(dir, "data")}, logs in ${join(dir, "logs")}`);
  say(io.out, `kill -9 <pid> crashes a node${restart ? " (it restarts on its disk)" : ""}; Ctrl-C stops every node`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  stopping = true;
  say(io.out, "stopping ...");
  await cluster.stop();
  return 0;
}
