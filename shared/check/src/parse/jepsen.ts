/**
 * Jepsen/Knossos histories of a single compare-and-set register, in two shapes:
 *
 * - the text log (`INFO  jepsen.util - 3	:invoke	:cas	[1 4]`), fields separated by tabs or
 *   runs of spaces; lines of other loggers are skipped;
 * - EDN maps, one per line (`{:process 3, :type :invoke, :f :cas, :value [1 4]}`).
 *
 * Semantics (those of the etcd histories Porcupine ships, and Knossos's):
 * - `:invoke` opens an operation for the process; the next `:ok`/`:fail` of the process closes it;
 * - `:ok :read v` returns v (nil = never written); `:ok :write` and `:ok :cas` succeeded;
 * - `:fail :cas` executed and its compare failed; `:fail :read` (a timeout) closes the read
 *   with an unknown value; `:fail :write` did not happen;
 * - `:info` is ignored: the operation stays open to the end with an unknown outcome.
 *
 * Time is the line order.
 */
import { eventsToOperations, UNKNOWN, type HistoryEvent, type Operation } from "../history.ts";
import type { CasRegisterInput, CasRegisterOutput, RegisterValue } from "../models/register.ts";
import { ednField, isKeyword, readEdn, type EdnValue } from "./edn.ts";
import { HistoryParseError, MAX_LINE_LENGTH } from "./parse-error.ts";
import { readUtilLine, type UtilLine } from "./jepsen-line.ts";
import { ProcessEventBuilder } from "./process-events.ts";

type Builder = ProcessEventBuilder<CasRegisterInput, CasRegisterOutput>;

const LOG_LINE = /^(?:INFO|WARN|DEBUG|ERROR|TRACE)\s+(\S+)\s+-\s+(.*)$/;
const UTIL_RECORD = /^(\d+)\s+:(invoke|ok|fail|info)\s+:([a-z-]+)\s*(.*?)\s*$/;

function parseLogValue(text: string): EdnValue {
  return text === "" ? null : readEdn(text);
}

function registerValue(v: EdnValue | undefined, what: string): RegisterValue {
  if (v === null || v === undefined || typeof v === "number" || typeof v === "string") return v ?? null;
  throw new Error(`${what} must be nil, a number or a string, got ${String(v)}`);
}

function casPair(v: EdnValue | undefined): [RegisterValue, RegisterValue] {
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`cas value must be [from to], got ${String(v)}`);
  return [registerValue(v[0], "cas from"), registerValue(v[1], "cas to")];
}

/** Applies one record; throws Error (without position) when it makes no sense. */
function applyRecord(b: Builder, process: number, type: string, f: string, value: EdnValue | undefined): void {
  if (f !== "read" && f !== "write" && f !== "cas")
    throw new Error(`unknown function :${f} (expected :read, :write or :cas)`);
  if (type === "invoke") {
    if (f === "read") b.invoke(process, { op: "read" });
    else if (f === "write") b.invoke(process, { op: "write", value: registerValue(value, "write value") });
    else {
      const [from, to] = casPair(value);
      b.invoke(process, { op: "cas", from, to });
    }
    return;
  }
  if (type === "info") return; // stays open to the end
  const pending = b.pendingInput(process);
  if (pending === undefined) throw new Error(`:${type} for process ${process}, which has no pending operation`);
  if (pending.op !== f)
    throw new Error(`:${type} :${f} for process ${process}, whose pending operation is :${pending.op}`);
  if (type === "ok") {
    b.complete(process, f === "read" ? registerValue(value, "read value") : f === "cas" ? true : null);
  } else if (type === "fail") {
    if (f === "cas") b.complete(process, false);
    else if (f === "read") b.complete(process, UNKNOWN);
    else b.discard(process);
  } else {
    throw new Error(`unknown type :${type}`);
  }
}

const SIMPLE_KEYWORD = /^:[a-z-]+$/;

/** `:info ... :timed-out` and `:fail :read :timed-out`: a value that cannot fail to read and is not used. */
function valueUnused(r: UtilLine): boolean {
  return (r.type === "info" || (r.type === "fail" && r.f === "read")) && SIMPLE_KEYWORD.test(r.valueText);
}

/** One line in the general way: an EDN map, a log line of any logger, or an error. */
function readLine(b: Builder, line: string): void {
  if (line.startsWith("{")) {
    const m = readEdn(line);
    if (!(m instanceof Map)) throw new Error("expected an EDN map");
    const process = ednField(m, "process");
    const type = ednField(m, "type");
    const f = ednField(m, "f");
    if (typeof process !== "number" || !Number.isInteger(process)) throw new Error(":process must be an integer");
    if (!isKeyword(type)) throw new Error(":type must be a keyword");
    if (!isKeyword(f)) throw new Error(":f must be a keyword");
    applyRecord(b, process, type.name, f.name, ednField(m, "value"));
    return;
  }
  const log = LOG_LINE.exec(line);
  if (log === null)
    throw new Error(
      "not a Jepsen log line (expected `INFO  jepsen.util - <process> :<type> :<f> <value>`) nor an EDN map",
    );
  if (log[1] !== "jepsen.util") return; // other loggers carry no history records
  const rec = UTIL_RECORD.exec(log[2] as string);
  if (rec === null) throw new Error("malformed jepsen.util record (expected `<process> :<type> :<f> <value>`)");
  applyRecord(b, Number(rec[1]), rec[2] as string, rec[3] as string, parseLogValue(rec[4] as string));
}

/** Events of a Jepsen text log or EDN history of a CAS register. */
export function parseJepsenEvents(
  text: string,
  file = "<history>",
): HistoryEvent<CasRegisterInput, CasRegisterOutput>[] {
  const b: Builder = new ProcessEventBuilder();
  const util: UtilLine = { process: 0, type: "", f: "", value: null, valueText: "" };
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    lineNo++;
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
    if (end - start > MAX_LINE_LENGTH)
      throw new HistoryParseError(file, lineNo, `line longer than ${MAX_LINE_LENGTH} characters`);
    try {
      if (readUtilLine(text, start, end, util)) {
        // the common line, read in one match (see jepsen-line.ts)
        applyRecord(
          b,
          util.process,
          util.type,
          util.f,
          util.value !== undefined ? util.value : valueUnused(util) ? null : parseLogValue(util.valueText),
        );
      } else {
        const line = text.slice(start, end).trim();
        if (line !== "") readLine(b, line);
      }
    } catch (e) {
      if (e instanceof HistoryParseError) throw e;
      throw new HistoryParseError(file, lineNo, (e as Error).message);
    }
    start = next;
  }
  return b.finish();
}

/** Operations of a Jepsen text log or EDN history of a CAS register (time = line order). */
export function parseJepsenLog(text: string, file = "<history>"): Operation<CasRegisterInput, CasRegisterOutput>[] {
  return eventsToOperations(parseJepsenEvents(text, file));
}
