/**
 * The search tests turn what the clients saw into a history for the linearizability checker:
 * a request sent after another's answer arrived must start after it ended, one sent before
 * must start before it ends.
 */
import { describe, expect, it } from "vitest";
import { OPEN, UNKNOWN } from "@faultline/check";
import type { ClientView, SearchView } from "@faultline/sim";
import { historyOf } from "../src/search.ts";

const put = (id: string) => JSON.stringify({ type: "put", id, key: "x", value: "v1" });
const get = (id: string) => JSON.stringify({ type: "get", id, key: "x" });
const got = (id: string, values: string[]) =>
  JSON.stringify({ type: "getOk", id, key: "x", values, context: { stamp: null, vv: {} } });

function view(clients: ClientView[]): SearchView {
  return { nodes: [], node: () => undefined, isUp: () => true, network: [], outputs: [], depth: 0, clients };
}

describe("historyOf", () => {
  it("orders a get sent after a put's answer after that put, and one sent before across it", () => {
    const { ops } = historyOf(
      view([
        {
          id: "writer",
          finished: true,
          requests: [
            {
              client: "writer",
              index: 0,
              to: "n2",
              text: put("w1"),
              sentAfter: { writer: 0, reader: 0 },
              answer: '{"type":"putOk","id":"w1"}',
            },
          ],
        },
        {
          id: "reader",
          finished: true,
          requests: [
            {
              client: "reader",
              index: 0,
              to: "n1",
              text: get("r1"),
              sentAfter: { writer: 0, reader: 0 },
              answer: got("r1", []),
            },
            {
              client: "reader",
              index: 1,
              to: "n1",
              text: get("r2"),
              sentAfter: { writer: 1, reader: 1 },
              answer: got("r2", ["v1"]),
            },
          ],
        },
      ]),
    );
    const [w1, r1, r2] = ops;
    expect(ops).toHaveLength(3);
    expect(r1?.call).toBeLessThan(w1?.return as number); // r1 was sent before w1's answer: concurrent
    expect(w1?.call).toBeLessThan(r1?.return as number);
    expect(r2?.call).toBeGreaterThan(w1?.return as number); // sent after it: it follows
    expect(r2?.call).toBeGreaterThan(r1?.return as number);
    expect([r1?.output, r2?.output]).toEqual(["", "v1"]);
  });

  it("leaves a put without an answer open with an unknown effect, and a get without one out", () => {
    const { ops } = historyOf(
      view([
        {
          id: "writer",
          finished: false,
          requests: [
            { client: "writer", index: 0, to: "n2", text: put("w1"), sentAfter: { writer: 0 }, answer: undefined },
          ],
        },
        {
          id: "reader",
          finished: false,
          requests: [
            { client: "reader", index: 0, to: "n1", text: get("r1"), sentAfter: { writer: 0 }, answer: undefined },
          ],
        },
      ]),
    );
    expect(ops).toHaveLength(1);
    expect(ops[0]?.return).toBe(OPEN);
    expect(ops[0]?.output).toBe(UNKNOWN);
  });
});
