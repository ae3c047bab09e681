/**
 * The implementation's PaymentsClient in a restricted process (it reads only its bundle, writes
 * nothing), driven over the IPC channel with JSON: the grader asks for a client and for charges,
 * and gets back the outcomes as data. Nothing the client does can reach the grader's process.
 */
import type { ChildProcess } from "node:child_process";
import type { ProcessBundle } from "@faultline/grading";
import type { ClientReply, ClientRequest, ClientSpec } from "@faultline/lab-idempotency-api/framework/host";
import type { ChargeInput, ChargeOutcome } from "@faultline/lab-idempotency-api";
import { hostProcess } from "./learner-bundle.ts";

export type { ClientSpec };

/** The client process failed or answered nonsense; `notImplemented` for a stub's NotImplemented. */
export class ClientProcessError extends Error {
  constructor(
    message: string,
    readonly notImplemented = false,
  ) {
    super(message);
    this.name = "ClientProcessError";
  }
}

export interface RemoteClient {
  createCharge(input: ChargeInput, opts?: { idempotencyKey?: string }): Promise<ChargeOutcome>;
}

function isStringRecord(x: unknown): x is Record<string, string> {
  return (
    typeof x === "object" && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === "string")
  );
}

/** Check that an outcome is a ChargeOutcome (it comes from learner code). */
export function asOutcome(x: unknown): ChargeOutcome | undefined {
  if (typeof x !== "object" || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.key !== "string" || typeof o.attempts !== "number") return undefined;
  const out: ChargeOutcome = { key: o.key, attempts: o.attempts };
  if (o.reply !== undefined) {
    const r = o.reply as Record<string, unknown> | null;
    if (!r || typeof r.status !== "number" || typeof r.body !== "string" || !isStringRecord(r.headers))
      return undefined;
    out.reply = { status: r.status, headers: r.headers, body: r.body };
  }
  if (o.error !== undefined) out.error = String(o.error);
  return out;
}

export class ClientProcess {
  private nextId = 1;
  private nextClient = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; what: string }
  >();
  private exited = false;
  private stderr = "";

  private constructor(private readonly proc: ChildProcess) {
    proc.stderr?.on("data", (c: Buffer) => (this.stderr = (this.stderr + c.toString("utf8")).slice(-3000)));
    proc.stdout?.on("data", (c: Buffer) => (this.stderr = (this.stderr + c.toString("utf8")).slice(-3000)));
    proc.stdin?.on("error", () => {});
    proc.on("error", () => {}); // a send racing the exit; the exit handler reports it
    proc.on("message", (m: ClientReply) => {
      const p = typeof m?.id === "number" ? this.pending.get(m.id) : undefined;
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error)
        p.reject(
          new ClientProcessError(
            `${p.what} threw ${m.error.name}: ${m.error.message}`,
            m.error.name === "NotImplemented",
          ),
        );
      else p.resolve(m.outcome);
    });
    proc.once("exit", (code, signal) => {
      this.exited = true;
      const why = `${signal ?? `exit code ${code}`}${this.stderr.trim() ? `; its output: ${this.stderr.trim().split("\n").slice(-8).join("\n")}` : ""}`;
      for (const p of this.pending.values())
        p.reject(
          new ClientProcessError(
            `the process running your PaymentsClient ended while ${p.what} was running (${why})${code !== null && signal === null ? ": did your code call process.exit?" : ""}`,
          ),
        );
      this.pending.clear();
    });
  }

  static start(bundle: ProcessBundle): ClientProcess {
    return new ClientProcess(hostProcess(bundle, { role: "client" }, { ipc: true }));
  }

  private call(
    req: ClientRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never,
    what: string,
  ): Promise<unknown> {
    if (this.exited)
      return Promise.reject(
        new ClientProcessError(`the process running your PaymentsClient has ended (before ${what})`),
      );
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, what });
      this.proc.send({ ...req, id } as ClientRequest);
    });
  }

  /** A client in the process, made with `new PaymentsClient(opts)` there (random: a seeded stream). */
  client(spec: ClientSpec): RemoteClient {
    const client = this.nextClient++;
    const made = this.call({ op: "new", client, opts: spec }, "new PaymentsClient(...)");
    made.catch(() => {});
    return {
      createCharge: async (input, opts = {}) => {
        await made;
        const raw = await this.call(
          {
            op: "charge",
            client,
            input,
            ...(opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey }),
          },
          "createCharge",
        );
        const outcome = asOutcome(raw);
        if (!outcome)
          throw new ClientProcessError(
            `createCharge resolved with ${JSON.stringify(raw)?.slice(0, 300)}, which is not a ChargeOutcome ({ key, attempts, reply?, error? })`,
          );
        return outcome;
      },
    };
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once("exit", () => r()));
    this.proc.kill("SIGKILL");
    await gone;
  }
}
