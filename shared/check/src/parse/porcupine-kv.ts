/**
 * Key-value histories in Porcupine's EDN format, one map per line:
 * `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`.
 *
 * `:invoke` opens an operation (a get's value is nil), `:ok` closes it (a get's value is what it
 * read), `:info` leaves it open to the end, `:fail` means it did not happen. Time is line order.
 */
import { eventsToOperations, type HistoryEvent, type Operation } from "../history.ts";
import type { KvInput, KvOutput } from "../models/kv.ts";
import { ednField, isKeyword, readEdn } from "./edn.ts";
import { HistoryParseError, MAX_LINE_LENGTH, splitLines } from "./parse-error.ts";
import { ProcessEventBuilder } from "./process-events.ts";

function keyText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new Error(`:key must be a string or number, got ${String(v)}`);
}

export function parsePorcupineKvEvents(text: string, file = "<history>"): HistoryEvent<KvInput, KvOutput>[] {
  const b = new ProcessEventBuilder<KvInput, KvOutput>();
  splitLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.length > MAX_LINE_LENGTH)
      throw new HistoryParseError(file, lineNo, `line longer than ${MAX_LINE_LENGTH} characters`);
    const line = raw.trim();
    if (line === "") return;
    try {
      const m = readEdn(line);
      if (!(m instanceof Map))
        throw new Error('expected an EDN map like {:process 0, :type :invoke, :f :get, :key "k", :value nil}');
      const process = ednField(m, "process");
      const type = ednField(m, "type");
      const f = ednField(m, "f");
      const value = ednField(m, "value");
      if (typeof process !== "number" || !Number.isInteger(process)) throw new Error(":process must be an integer");
      if (!isKeyword(type)) throw new Error(":type must be a keyword");
      if (!isKeyword(f) || (f.name !== "get" && f.name !== "put" && f.name !== "append"))
        throw new Error(":f must be :get, :put or :append");
      const key = keyText(ednField(m, "key"));
      if (type.name === "invoke") {
        if (f.name === "get") b.invoke(process, { op: "get", key });
        else {
          if (typeof value !== "string") throw new Error(`:${f.name} needs a string :value`);
          b.invoke(process, { op: f.name, key, value });
        }
        return;
      }
      if (type.name === "info") return;
      const pending = b.pendingInput(process);
      if (pending === undefined)
        throw new Error(`:${type.name} for process ${process}, which has no pending operation`);
      if (pending.op !== f.name || pending.key !== key)
        throw new Error(
          `:${type.name} :${f.name} ${JSON.stringify(key)} does not match process ${process}'s pending :${pending.op} ${JSON.stringify(pending.key)}`,
        );
      if (type.name === "ok") {
        if (f.name === "get") {
          if (value !== null && typeof value !== "string") throw new Error(":ok :get needs a string :value (or nil)");
          b.complete(process, value ?? "");
        } else {
          b.complete(process, null);
        }
      } else if (type.name === "fail") {
        b.discard(process);
      } else {
        throw new Error(`unknown :type :${type.name}`);
      }
    } catch (e) {
      throw new HistoryParseError(file, lineNo, (e as Error).message);
    }
  });
  return b.finish();
}

export function parsePorcupineKv(text: string, file = "<history>"): Operation<KvInput, KvOutput>[] {
  return eventsToOperations(parsePorcupineKvEvents(text, file));
}
