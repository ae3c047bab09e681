/**
 * Runs one node over real time: real timers, a Date-based clock (with an optional offset for
 * skew drills), a seeded random stream, a file disk, and a transport for sends. Handlers still
 * run one at a time, exactly as in the simulator; a handler that throws ends the process, as a
 * crash would, after logging which handler failed.
 */
import { Rng, type Disk, type Env, type Node, type NodeId, type TimerHandle } from "@faultline/sim";

export interface RuntimeIo {
  /** Deliver `msg` to `to` (a peer node or a local client endpoint). */
  send(to: NodeId, msg: unknown): void;
  log(line: string): void;
  /** Called when a handler throws: the node is dead. */
  fatal(handler: string, err: unknown): void;
}

export class NodeRuntime<M = unknown, T = string> {
  private timers = new Map<TimerHandle, ReturnType<typeof setTimeout>>();
  private nextTimer = 1;
  private dead = false;
  readonly rng: Rng;
  /** Added to the node's clock (clock skew drills). */
  clockOffsetMs = 0;
  private readonly bootedAt = Date.now();

  constructor(
    readonly id: NodeId,
    readonly peers: readonly NodeId[],
    readonly node: Node<M, T>,
    readonly disk: Disk,
    private readonly io: RuntimeIo,
    seed: number,
    /**
     * Stretch the node's time: timers last `timeScale` times longer and its clock runs that
     * much slower, so protocol timeouts fit links with long delays (like raising etcd's
     * election timeout for a WAN). 1 = real time.
     */
    readonly timeScale = 1,
  ) {
    if (!(timeScale >= 1 && timeScale <= 100)) throw new RangeError(`timeScale must be in [1, 100], got ${timeScale}`);
    this.rng = new Rng(seed, `node:${id}`);
    this.env = {
      id,
      peers,
      send: (to, msg) => {
        if (!this.dead) this.io.send(to, msg);
      },
      now: () => this.bootedAt + (Date.now() - this.bootedAt) / this.timeScale + this.clockOffsetMs,
      setTimer: (ms, tag) => {
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
          throw new RangeError(`${id}: env.setTimer needs a finite ms >= 0, got ${String(ms)}`);
        const handle = this.nextTimer++;
        this.timers.set(
          handle,
          setTimeout(() => {
            this.timers.delete(handle);
            this.run(`onTimer(${String(tag)})`, () => this.node.onTimer(tag));
          }, ms * this.timeScale),
        );
        return handle;
      },
      cancelTimer: (handle) => {
        const t = this.timers.get(handle);
        if (t !== undefined) clearTimeout(t);
        this.timers.delete(handle);
      },
      random: () => this.rng.next(),
      disk,
      log: (...args) => this.io.log(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")),
    };
  }

  private readonly env: Env<M, T>;

  get alive(): boolean {
    return !this.dead;
  }

  start(): void {
    this.run("start(env)", () => this.node.start(this.env));
  }

  deliver(from: NodeId, msg: M): void {
    const type =
      typeof msg === "object" && msg !== null && "type" in msg ? String((msg as { type: unknown }).type) : typeof msg;
    this.run(`onMessage(${type} from ${from})`, () => this.node.onMessage(from, msg));
  }

  stop(): void {
    this.dead = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private run(handler: string, fn: () => void): void {
    if (this.dead) return;
    try {
      fn();
    } catch (err) {
      this.stop();
      this.io.fatal(handler, err);
    }
  }
}
