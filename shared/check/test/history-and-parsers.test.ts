import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  casRegisterModel,
  checkLinearizability,
  eventsToOperations,
  explainResult,
  HistoryParseError,
  kvModel,
  OPEN,
  operationsToEvents,
  parseJepsenLog,
  parsePorcupineKv,
  readEdn,
  registerModel,
  UNKNOWN,
  type HistoryEvent,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from "../src/index.ts";

const w = (client: number, value: number, call: number, ret: number): Operation<RegisterInput, RegisterOutput> => ({
  client,
  input: { op: "write", value },
  output: null,
  call,
  return: ret,
});
const r = (
  client: number,
  value: number | null,
  call: number,
  ret: number,
): Operation<RegisterInput, RegisterOutput> => ({ client, input: { op: "read" }, output: value, call, return: ret });

describe("history forms", () => {
  it("converts events to operations and back; a call without return stays open", () => {
    const events: HistoryEvent<RegisterInput, RegisterOutput>[] = [
      { kind: "call", client: 0, id: 7, value: { op: "write", value: 1 } },
      { kind: "call", client: 1, id: 8, value: { op: "read" } },
      { kind: "return", client: 0, id: 7, value: null },
      { kind: "return", client: 1, id: 8, value: 1 },
      { kind: "call", client: 2, id: 9, value: { op: "write", value: 2 } },
    ];
    const ops = eventsToOperations(events);
    expect(ops).toEqual([
      { client: 0, input: { op: "write", value: 1 }, output: null, call: 0, return: 2 },
      { client: 1, input: { op: "read" }, output: 1, call: 1, return: 3 },
      { client: 2, input: { op: "write", value: 2 }, output: UNKNOWN, call: 4, return: OPEN },
    ]);
    expect(eventsToOperations(operationsToEvents(ops))).toEqual(ops);
    expect(() => eventsToOperations([{ kind: "return", client: 0, id: 1, value: null }])).toThrow(/no open call/);
  });

  it("rejects impossible times", () => {
    expect(() => checkLinearizability(registerModel, [w(0, 1, 5, 4)])).toThrow(/before its call/);
    expect(() => checkLinearizability(registerModel, [{ ...w(0, 1, 5, 4), return: OPEN }])).toThrow(/UNKNOWN output/);
  });
});

describe("linearizability basics", () => {
  it("orders operations that do not overlap, and lets overlapping ones go either way", () => {
    expect(checkLinearizability(registerModel, [w(0, 1, 0, 1), r(1, 1, 2, 3)]).verdict).toBe("linearizable");
    expect(checkLinearizability(registerModel, [w(0, 1, 0, 1), r(1, null, 2, 3)]).verdict).toBe("not linearizable");
    expect(checkLinearizability(registerModel, [w(0, 1, 0, 5), r(1, null, 2, 3)]).verdict).toBe("linearizable");
  });

  it("treats operations touching at one instant as concurrent", () => {
    expect(checkLinearizability(registerModel, [w(0, 1, 0, 3), r(1, null, 3, 4)]).verdict).toBe("linearizable");
    expect(
      checkLinearizability(registerModel, [w(0, 1, 0, 3), r(1, null, 3, 4)], { equalTimes: "return-first" }).verdict,
    ).toBe("not linearizable");
  });

  it("lets an open write take effect late or never", () => {
    const open: Operation<RegisterInput, RegisterOutput> = {
      client: 0,
      input: { op: "write", value: 1 },
      output: UNKNOWN,
      call: 0,
      return: OPEN,
    };
    expect(checkLinearizability(registerModel, [open, r(1, null, 1, 2), r(1, 1, 3, 4)]).verdict).toBe("linearizable");
    expect(checkLinearizability(registerModel, [open, r(1, 1, 1, 2), r(1, null, 3, 4)]).verdict).toBe(
      "not linearizable",
    );
  });

  it("returns unknown, never a pass, when the step budget runs out", () => {
    const ops = Array.from({ length: 12 }, (_, i) => w(i, i, 0, 10)).concat([r(99, 5, 11, 12), r(99, 6, 13, 14)]);
    const res = checkLinearizability(registerModel, ops, { maxSteps: 50 });
    expect(res.verdict).toBe("unknown");
    expect(res.reason).toContain("50 steps");
    expect(explainResult(registerModel, ops, res)).toMatch(/^unknown: .* this is not a pass$/);
    expect(checkLinearizability(registerModel, ops).verdict).toBe("not linearizable");
  });

  it("reports the longest partial linearization per operation and the operation that cannot take effect", () => {
    const ops = [w(0, 1, 0, 1), r(1, 1, 2, 3), w(0, 2, 4, 5), r(1, 1, 6, 7)];
    const res = checkLinearizability(registerModel, ops);
    expect(res.verdict).toBe("not linearizable");
    expect(res.partitions[0]?.longest).toEqual([0, 1, 2]);
    expect(res.firstIllegal).toBe(3);
    expect(res.longestPerOperation[0]).toEqual([0, 1, 2]);
    expect(explainResult(registerModel, ops, res)).toContain("cannot take effect: client 1 read → 1 [6, 7]");
  });
});

describe("Jepsen log parser", () => {
  const log = [
    "INFO  jepsen.util - 0\t:invoke\t:write\t1",
    "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]",
    "INFO  jepsen.core - some other logger line",
    "INFO  jepsen.util - 0\t:ok\t:write\t1",
    "INFO  jepsen.util - 1\t:info\t:cas\t:timed-out",
    "INFO  jepsen.util - 2     :invoke   :read    nil",
    "INFO  jepsen.util - 2     :fail     :read    :timed-out",
    "INFO  jepsen.util - 3\t:invoke\t:cas\t[5 6]",
    "INFO  jepsen.util - 3\t:fail\t:cas\t[5 6]",
    "",
  ].join("\n");

  it("follows Porcupine's semantics: :info leaves the op open, a failed read is unknown, a failed cas failed", () => {
    const ops = parseJepsenLog(log, "x.log");
    expect(ops).toEqual([
      { client: 0, input: { op: "write", value: 1 }, output: null, call: 0, return: 2 },
      { client: 1, input: { op: "cas", from: 1, to: 2 }, output: UNKNOWN, call: 1, return: OPEN },
      { client: 2, input: { op: "read" }, output: UNKNOWN, call: 3, return: 4 },
      { client: 3, input: { op: "cas", from: 5, to: 6 }, output: false, call: 5, return: 6 },
    ]);
    expect(checkLinearizability(casRegisterModel, ops).verdict).toBe("linearizable");
  });

  it("reads the EDN form too", () => {
    const ops = parseJepsenLog(
      "{:process 0, :type :invoke, :f :cas, :value [nil 3]}\n{:process 0, :type :ok, :f :cas, :value [nil 3]}\n{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 3}\n",
    );
    expect(ops.map((o) => o.output)).toEqual([true, 3]);
    expect(checkLinearizability(casRegisterModel, ops).verdict).toBe("linearizable");
  });

  it("names file and line of a malformed line", () => {
    expect(() =>
      parseJepsenLog("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - zero :ok :read 1\n", "h.log"),
    ).toThrow(HistoryParseError);
    expect(() =>
      parseJepsenLog("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - zero :ok :read 1\n", "h.log"),
    ).toThrow(/^h\.log:2: malformed jepsen\.util record/);
    expect(() => parseJepsenLog("garbage\n", "g.log")).toThrow(/^g\.log:1: not a Jepsen log line/);
    expect(() => parseJepsenLog("INFO  jepsen.util - 4\t:ok\t:read\t1\n", "o.log")).toThrow(
      /^o\.log:1: :ok for process 4, which has no pending operation/,
    );
    expect(() => parseJepsenLog("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n", "c.log")).toThrow(
      /^c\.log:1: missing \]/,
    );
    expect(() => parseJepsenLog("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2 3]\n", "p.log")).toThrow(
      /^p\.log:1: cas value must be \[from to\]/,
    );
    expect(() => parseJepsenLog("INFO  jepsen.util - 0\t:begin\t:read\tnil\n", "t.log")).toThrow(
      /^t\.log:1: malformed jepsen\.util record/,
    );
  });

  it("reads every line shape alike, by the one-match reading of the common line or by the general reader", () => {
    // Em spaces are whitespace to the general reader only: the same log read both ways.
    const general = (text: string) => parseJepsenLog(text.replace(/\t/g, "\u2003"), "x.log");
    const shapes = [
      "INFO  jepsen.util - 0\t:invoke\t:write\t-3",
      "INFO  jepsen.util - 0\t:ok\t:write\t-3",
      "INFO  jepsen.util - 1\t:invoke\t:write\t+4",
      "INFO  jepsen.util - 1\t:ok\t:write\t+4",
      "INFO  jepsen.util - 2\t:invoke\t:cas\t[1, 4]",
      "INFO  jepsen.util - 2\t:ok\t:cas\t[1   4]",
      "INFO  jepsen.util - 3\t:invoke\t:read\tnil  ",
      'INFO  jepsen.util - 3\t:ok\t:read\t"a"',
      "INFO  jepsen.util - 4\t:invoke\t:write\t0077",
      "INFO  jepsen.util - 4\t:fail\t:write\t0077",
      "INFO  jepsen.util - 5\t:invoke\t:read",
      "  INFO  jepsen.util - 5\t:ok\t:read\t12345678901234567890",
      "WARN  jepsen.util - 6\t:invoke\t:read\tnil",
    ];
    const text = `${shapes.join("\r\n")}\r\n`;
    const ops = parseJepsenLog(text, "x.log");
    expect(ops).toEqual(general(text));
    expect(ops.map((o) => o.input)).toEqual([
      { op: "write", value: -3 },
      { op: "write", value: 4 },
      { op: "cas", from: 1, to: 4 },
      { op: "read" },
      { op: "read" },
      { op: "read" },
    ]);
    expect(ops.map((o) => o.output)).toEqual([null, null, true, "a", 12345678901234567000, UNKNOWN]);
  });

  it("reads each of Porcupine's etcd logs the same by both paths", () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "porcupine", "jepsen");
    const files = readdirSync(dir).filter((f) => f.endsWith(".log"));
    expect(files.length).toBe(103);
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(parseJepsenLog(text, f), f).toEqual(parseJepsenLog(text.replace(/\t/g, "\u2003"), f));
    }
  });
});

describe("Porcupine kv parser and model", () => {
  it("parses gets, puts and appends; a never-written key reads as empty", () => {
    const text = [
      '{:process 0, :type :invoke, :f :get, :key "a", :value nil}',
      '{:process 1, :type :invoke, :f :append, :key "a", :value "x"}',
      '{:process 0, :type :ok, :f :get, :key "a", :value ""}',
      '{:process 1, :type :ok, :f :append, :key "a", :value "x"}',
      '{:process 0, :type :invoke, :f :put, :key "b", :value "y"}',
      '{:process 0, :type :ok, :f :put, :key "b", :value "y"}',
      '{:process 0, :type :invoke, :f :get, :key "a", :value nil}',
      '{:process 0, :type :ok, :f :get, :key "a", :value "x"}',
    ].join("\n");
    const ops = parsePorcupineKv(text, "kv.txt");
    expect(ops.map((o) => o.input.op)).toEqual(["get", "append", "put", "get"]);
    expect(checkLinearizability(kvModel, ops).verdict).toBe("linearizable");
    expect(checkLinearizability(kvModel, ops).partitions).toHaveLength(2);
    expect(() => parsePorcupineKv('{:process 0, :type :invoke, :f :del, :key "a"}', "k.txt")).toThrow(
      /^k\.txt:1: :f must be :get, :put or :append/,
    );
  });

  it("treats an empty value like an absent key, so equal maps are equal states", () => {
    const s1 = kvModel.step(kvModel.init(), { op: "put", key: "a", value: "" }, null);
    expect(s1).toBe(kvModel.init());
    const a =
      kvModel.step(
        kvModel.step(kvModel.init(), { op: "put", key: "a", value: "1" }, null) ?? null,
        { op: "put", key: "b", value: "2" },
        null,
      ) ?? null;
    const b =
      kvModel.step(
        kvModel.step(kvModel.init(), { op: "put", key: "b", value: "2" }, null) ?? null,
        { op: "append", key: "a", value: "1" },
        null,
      ) ?? null;
    expect(kvModel.equal(a, b)).toBe(true);
    expect(kvModel.hash(a)).toBe(kvModel.hash(b));
    expect(kvModel.describeState?.(a)).toBe('{"a": "1", "b": "2"}');
  });

  it("reads EDN values", () => {
    expect(readEdn('{:a [1 -2 "s\\"q"], :b nil, :c true, :d 1.5}')).toEqual(
      new Map<unknown, unknown>([
        [":a", [1, -2, 's"q']],
        [":b", null],
        [":c", true],
        [":d", 1.5],
      ]),
    );
  });
});
