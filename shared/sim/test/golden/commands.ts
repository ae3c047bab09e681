/**
 * The commands of the golden transcripts: each drives one simulation through its public API and
 * prints the trace events the command caused, one readable line each.
 *
 *   sim seed=<n> nodes=<n> [clients=<n>] [faults=<json>]   a new simulation of Chatter nodes
 *   run <ms>                                             advance virtual time
 *   faults <json> | node-faults <id> <json> | link-faults <from> <to> <json>
 *   partition <ids> | <ids> ...   isolate <id>   reconnect <id>   heal   heal-all
 *   block <from> <to>   unblock <from> <to>   clog <from> <to>   unclog <from> <to>
 *   crash <id>   restart <id>   pause <id>   resume <id>
 *   clock <id> [offset=<ms>] [drift=<rate>]   clock-jump <id> <ms>
 *   send <client> <node> <json>   nemesis until=<ms> [from=<ms>]
 *   disk <id>   hash
 *
 * A command that throws prints `error: <message>`: error messages are pinned too.
 */
import { fmt, randomNemesis, Simulation, type NodeId, type TraceEvent } from "../../src/index.ts";
import { Chatter, type ChatterMsg } from "./chatter.ts";

/** One trace event as a line: time, where, what, the other end, message id, payload, clock. */
export function describeEvent(e: TraceEvent): string {
  const parts = [fmt(e.t).padStart(8), e.node, e.kind];
  if (e.peer !== undefined) parts.push(e.kind === "send" || e.kind === "duplicate" ? `to ${e.peer}` : `from ${e.peer}`);
  if (e.msgId !== undefined) parts.push(`#${e.msgId}`);
  if (e.payload !== undefined) parts.push(e.payload);
  if (e.tag !== undefined) parts.push(`tag ${e.tag}`);
  if (e.text !== undefined) parts.push(`: ${e.text}`);
  if (e.vc) parts.push(`[${e.vc.join(" ")}]`);
  return parts.join(" ");
}

function keyValues(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new Error(`expected key=value, got "${a}"`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

function json<V>(text: string | undefined, what: string): V {
  if (text === undefined) throw new Error(`missing ${what}`);
  return JSON.parse(text) as V;
}

export class TranscriptReplay {
  private sim: Simulation<ChatterMsg> | undefined;
  /** Trace events already printed. */
  private printed = 0;

  async run(command: string): Promise<string[]> {
    const out: string[] = [];
    try {
      const extra = await this.execute(command);
      out.push(...this.newEvents(), ...extra);
    } catch (err) {
      out.push(...this.newEvents(), `error: ${(err as Error).message}`);
    }
    return out;
  }

  private newEvents(): string[] {
    const sim = this.sim;
    if (!sim) return [];
    const events = sim.trace.list().slice(this.printed);
    this.printed = sim.trace.count;
    return events.map(describeEvent);
  }

  private get s(): Simulation<ChatterMsg> {
    if (!this.sim) throw new Error("no simulation yet: start with `sim seed=<n> nodes=<n>`");
    return this.sim;
  }

  /** Runs one command; returns lines to print after its trace events. */
  private async execute(command: string): Promise<string[]> {
    // A JSON argument is the rest of the line from its first brace.
    const brace = command.indexOf("{");
    const words = (brace >= 0 ? command.slice(0, brace) : command).trim().split(/\s+/);
    const body = brace >= 0 ? command.slice(brace) : undefined;
    const [name, ...args] = words as [string, ...string[]];
    const sim = () => this.s;
    switch (name) {
      case "sim": {
        const kv = keyValues(args);
        this.sim = new Simulation<ChatterMsg>({
          seed: Number(kv.seed),
          nodes: Number(kv.nodes),
          clients: kv.clients === undefined ? 0 : Number(kv.clients),
          factory: () => new Chatter(),
          ...(body ? { faults: json(body, "faults") } : {}),
        });
        this.printed = 0;
        return [`endpoints ${this.sim.endpoints.join(" ")}`];
      }
      case "run":
        await sim().runFor(Number(args[0]));
        return [];
      case "faults":
        sim().setFaults(json(body, "faults"));
        return [];
      case "node-faults":
        sim().setNodeFaults(args[0] as NodeId, body ? json(body, "faults") : undefined);
        return [];
      case "link-faults":
        sim().setLinkFaults(args[0] as NodeId, args[1] as NodeId, body ? json(body, "faults") : undefined);
        return [];
      case "partition": {
        const groups = args
          .join(" ")
          .split("|")
          .map((g) => g.trim().split(/\s+/).filter(Boolean));
        sim().partition(...groups);
        return [];
      }
      case "isolate":
        sim().isolate(args[0] as NodeId);
        return [];
      case "reconnect":
        sim().reconnect(args[0] as NodeId);
        return [];
      case "heal":
        sim().heal();
        return [];
      case "heal-all":
        sim().healAll();
        return [];
      case "block":
        sim().blockOneWay(args[0] as NodeId, args[1] as NodeId);
        return [];
      case "unblock":
        sim().unblockOneWay(args[0] as NodeId, args[1] as NodeId);
        return [];
      case "clog":
        sim().clog(args[0] as NodeId, args[1] as NodeId);
        return [];
      case "unclog":
        sim().unclog(args[0] as NodeId, args[1] as NodeId);
        return [];
      case "crash":
        sim().crash(args[0] as NodeId);
        return [];
      case "restart":
        sim().restart(args[0] as NodeId);
        return [];
      case "pause":
        sim().pause(args[0] as NodeId);
        return [];
      case "resume":
        sim().resume(args[0] as NodeId);
        return [];
      case "clock": {
        const kv = keyValues(args.slice(1));
        sim().setClock(args[0] as NodeId, {
          ...(kv.offset !== undefined ? { offset: Number(kv.offset) } : {}),
          ...(kv.drift !== undefined ? { drift: Number(kv.drift) } : {}),
        });
        return [];
      }
      case "clock-jump":
        sim().clockJump(args[0] as NodeId, Number(args[1]));
        return [];
      case "send":
        sim()
          .client(args[0] as NodeId)
          .send(args[1] as NodeId, json(body, "message"));
        return [];
      case "nemesis": {
        const kv = keyValues(args);
        const profile = randomNemesis(sim(), {
          until: Number(kv.until),
          ...(kv.from !== undefined ? { from: Number(kv.from) } : {}),
        });
        return [`profile ${JSON.stringify(profile)}`];
      }
      case "disk": {
        const id = args[0] as NodeId;
        return [
          `${id} durable ${JSON.stringify(sim().diskOf(id).snapshot())} up=${sim().isUp(id)} paused=${sim().isPaused(id)} local=${fmt(sim().localTime(id))}`,
        ];
      }
      case "hash": {
        const s = sim();
        const st = s.stats;
        return [
          `hash ${s.trace.hash()} events ${s.trace.count} sent ${st.sent} delivered ${st.delivered} dropped ${st.dropped} duplicated ${st.duplicated}`,
        ];
      }
      default:
        throw new Error(`unknown command "${name}"`);
    }
  }
}
