/**
 * One graded run's world: three real servers (postgres.ts), the implementation's controller in
 * its restricted process (controller-process.ts), and the clients (workload.ts). `withWorld`
 * closes everything, also after a failure.
 */
import type { ScenarioContext } from "@faultline/grading";
import type { ControllerOptions } from "@faultline/lab-pg-failover/framework";
import { ControllerProcess, notImplemented } from "./controller-process.ts";
import { findBindir, PgCluster, PgStepError, sleep, type Node } from "./postgres.ts";
import { lostWrites, Workload, WritableProbe, type Ack } from "./workload.ts";

/** The lab's exports (the grader never imports them: they run in the controller's process). */
export interface LabModule {
  FailoverController: unknown;
}

export type Ctx = ScenarioContext<LabModule>;

export const INSTALL_HINT =
  "PostgreSQL's server binaries were not found under /usr/lib/postgresql/<version>/bin (or PG_BINDIR): install Debian's postgresql package (apt-get install postgresql) or point PG_BINDIR at the folder holding initdb";

export class World {
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(
    readonly ctx: Ctx,
    readonly cluster: PgCluster,
    readonly ctl: ControllerProcess,
  ) {}

  /** Start the controller's ticks; a stub's NotImplemented makes the test "not started". */
  async run(): Promise<void> {
    await this.ctl.run();
    await sleep(300);
    this.rethrowStub();
  }

  rethrowStub(): void {
    const e = this.ctl.tickError;
    if (e?.name === "NotImplemented") throw notImplemented(e.message);
  }

  /** The controller's primary (a NotImplemented from primary() makes the test "not started"). */
  primary(): Promise<Node | undefined> {
    return this.ctl.primary();
  }

  /**
   * Until the controller names pg1 and (under "sync") pg1 has a synchronous standby list, or
   * `ms` passed: the grader does not read the setting for a check, only to start on time.
   */
  async settle(sync: boolean, ms = 6_000): Promise<void> {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      this.rethrowStub();
      const p = await this.primary();
      const names = sync
        ? await this.cluster
            .sql<{ s: string }>("pg1", "SHOW synchronous_standby_names")
            .then((r) => r[0]?.s ?? (r[0] as Record<string, string> | undefined)?.synchronous_standby_names ?? "")
            .catch(() => "")
        : "ok";
      if (p === "pg1" && names !== "") return;
      await sleep(100);
    }
    this.rethrowStub();
  }

  /** Writers routed by the controller's primary (the given client library). */
  workload(writers: number, name = "w"): Workload {
    const w = new Workload(this.cluster, () => this.primary(), writers, name);
    this.closers.push(() => w.stop());
    w.start();
    return w;
  }

  /** Writers that keep the address they were given (a batch job configured with a host name). */
  pinnedWorkload(node: Node, writers: number, name: string): Workload {
    const w = new Workload(this.cluster, async () => node, writers, name);
    this.closers.push(() => w.stop());
    w.start();
    return w;
  }

  probe(): WritableProbe {
    const p = new WritableProbe(this.cluster);
    this.closers.push(() => p.stop());
    p.start();
    return p;
  }

  /** Until the controller names a primary other than `old` and a write there is acknowledged. */
  async waitRecovered(w: Workload, old: Node, since: number, limitMs: number): Promise<Ack | undefined> {
    const until = since + limitMs;
    while (performance.now() < until) {
      const a = w.firstAckAfter(since, old);
      if (a) return a;
      if (this.ctl.exited) break;
      await sleep(50);
    }
    return undefined;
  }

  /** Check that no acknowledged write is missing on `node`; returns how many were checked. */
  async expectNothingLost(node: Node, acks: readonly Ack[], what: string): Promise<number> {
    const lost = await lostWrites(this.cluster, node, acks);
    this.ctx.check(
      lost.length === 0,
      "no acknowledged write is lost",
      () =>
        `${lost.length} of ${acks.length} acknowledged writes (${what}) are missing on the primary ${node}, e.g. row ${lost[0]?.id} acknowledged by ${lost[0]?.node}`,
    );
    return acks.length;
  }

  /** Which node serves writes now: the controller's primary, checked to be writable. */
  async currentPrimary(): Promise<Node> {
    const p = await this.primary();
    this.ctx.check(p !== undefined, "the controller names a primary", "primary() names no server");
    return p as Node;
  }

  describeActions(): string {
    return (
      this.ctl.actions
        .map(
          (a) =>
            `${a.kind} ${a.node}${a.source ? ` from ${a.source}` : ""}${a.error ? ` (failed: ${a.error.split("\n")[0]})` : ""}`,
        )
        .join(", ") || "none"
    );
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c().catch(() => {});
    await this.ctl.kill().catch(() => {});
  }
}

export async function withWorld(
  ctx: Ctx,
  options: Partial<ControllerOptions>,
  body: (w: World) => Promise<void>,
  /** Part A needs observe() only; the others need primary() (asked before the servers start). */
  needs: "observe" | "controller" = "controller",
): Promise<void> {
  const bindir = findBindir();
  if (!bindir) ctx.fail("PostgreSQL is installed", INSTALL_HINT);
  const cluster = await PgCluster.create(bindir as string);
  let world: World | undefined;
  try {
    const ctl = await ControllerProcess.start(ctx.implPath, cluster, options);
    world = new World(ctx, cluster, ctl);
    // A stub throws NotImplemented here, before the servers cost seconds to start (observe()
    // with no server up reports every one down).
    if (needs === "controller") await ctl.primary();
    else await ctl.observe();
    await cluster.boot().catch((err: unknown) => {
      // The grader's own setup failed, before the controller could act: say which step, not "threw".
      if (err instanceof PgStepError) ctx.fail("the three servers boot (the grader's setup)", err.message);
      throw err;
    });
    await body(world);
  } finally {
    await world?.close();
    await cluster.close();
  }
}
