/**
 * Histories of client operations, the input of every linearizability check.
 *
 * Two forms carry the same information:
 * - operations: one record per operation with its call and return times;
 * - events: a real-time ordered list of call and return events tied by an id (the form Jepsen
 *   and Porcupine logs come in). An event's index is its time.
 *
 * An operation whose client gave up (timed out, crashed) has an UNKNOWN output; if nothing says
 * it finished, it stays open to the end of the history (return = OPEN): it may take effect at
 * any point after its call, or never.
 */

/** The output of an operation whose outcome nobody observed. */
export const UNKNOWN: unique symbol = Symbol.for("faultline.check.unknown");
export type Unknown = typeof UNKNOWN;

/** Return time of an operation that never returned: it stays open to the end. */
export const OPEN = Number.POSITIVE_INFINITY;

export interface Operation<Input = unknown, Output = unknown> {
  /** Who issued it (a client or Jepsen process number). One client has one operation in flight. */
  readonly client: number;
  readonly input: Input;
  /** The observed output, or UNKNOWN. */
  readonly output: Output | Unknown;
  /** Invocation time. Any numeric clock works; only the order of times matters. */
  readonly call: number;
  /** Completion time, >= call, or OPEN. */
  readonly return: number;
}

export type EventKind = "call" | "return";

export interface HistoryEvent<Input = unknown, Output = unknown> {
  readonly kind: EventKind;
  readonly client: number;
  /** Ties a return event to its call event; unique per operation within a history. */
  readonly id: number;
  /** Input for a call event, output (or UNKNOWN) for a return event. */
  readonly value: Input | Output | Unknown;
}

/** Upper bound on operations per history: keeps typed-array sizes and search memory sane. */
export const MAX_OPERATIONS = 1_000_000;

export function isUnknown(x: unknown): x is Unknown {
  return x === UNKNOWN;
}

/**
 * Operations from an event list. Time is the event index; an operation with a call and no
 * return stays open with an UNKNOWN output. Throws on a return without a call or on a reused id.
 */
export function eventsToOperations<I, O>(events: readonly HistoryEvent<I, O>[]): Operation<I, O>[] {
  if (events.length > 2 * MAX_OPERATIONS)
    throw new Error(`history too long: ${events.length} events (limit ${2 * MAX_OPERATIONS})`);
  interface Open {
    client: number;
    input: I;
    call: number;
    index: number;
  }
  const open = new Map<number, Open>();
  const closedIds = new Set<number>();
  const slots: (Operation<I, O> | Open)[] = [];
  events.forEach((e, time) => {
    if (e.kind === "call") {
      if (open.has(e.id) || closedIds.has(e.id)) throw new Error(`event ${time}: call with id ${e.id} reuses an id`);
      const o: Open = { client: e.client, input: e.value as I, call: time, index: slots.length };
      open.set(e.id, o);
      slots.push(o);
    } else if (e.kind === "return") {
      const o = open.get(e.id);
      if (o === undefined) throw new Error(`event ${time}: return with id ${e.id} has no open call`);
      open.delete(e.id);
      closedIds.add(e.id);
      slots[o.index] = { client: o.client, input: o.input, output: e.value as O | Unknown, call: o.call, return: time };
    } else {
      throw new Error(`event ${time}: kind must be "call" or "return", got ${String((e as { kind: unknown }).kind)}`);
    }
  });
  for (const o of open.values())
    slots[o.index] = { client: o.client, input: o.input, output: UNKNOWN, call: o.call, return: OPEN };
  return slots as Operation<I, O>[];
}

/**
 * The event list of a set of operations, in time order. At equal times calls come before
 * returns, so operations touching at one instant count as concurrent (the cautious reading).
 * Open operations get no return event. Ids are operation indexes.
 */
export function operationsToEvents<I, O>(ops: readonly Operation<I, O>[]): HistoryEvent<I, O>[] {
  validateHistory(ops);
  const points: { time: number; isReturn: number; op: number }[] = [];
  ops.forEach((op, i) => {
    points.push({ time: op.call, isReturn: 0, op: i });
    if (op.return !== OPEN) points.push({ time: op.return, isReturn: 1, op: i });
  });
  points.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn || a.op - b.op);
  return points.map((p) => {
    const op = ops[p.op] as Operation<I, O>;
    return p.isReturn === 0
      ? { kind: "call" as const, client: op.client, id: p.op, value: op.input }
      : { kind: "return" as const, client: op.client, id: p.op, value: op.output };
  });
}

/** Throws a descriptive error if an operation has impossible times. */
export function validateHistory(ops: readonly Operation<unknown, unknown>[]): void {
  if (ops.length > MAX_OPERATIONS)
    throw new Error(`history too long: ${ops.length} operations (limit ${MAX_OPERATIONS})`);
  ops.forEach((op, i) => {
    if (typeof op.call !== "number" || !Number.isFinite(op.call))
      throw new Error(`operation ${i}: call time must be a finite number, got ${String(op.call)}`);
    if (typeof op.return !== "number" || Number.isNaN(op.return))
      throw new Error(`operation ${i}: return time must be a number or OPEN, got ${String(op.return)}`);
    if (op.return < op.call) throw new Error(`operation ${i}: returns at ${op.return}, before its call at ${op.call}`);
    if (op.return === OPEN && op.output !== UNKNOWN)
      throw new Error(`operation ${i}: an open operation must have an UNKNOWN output`);
  });
}
