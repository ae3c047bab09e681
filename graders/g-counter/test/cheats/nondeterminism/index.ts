// Every hidden source of time and randomness, tried in turn by the nodes.
declare const crypto: { randomUUID(): string; getRandomValues(a: Uint8Array): Uint8Array };
declare const process: { hrtime(): number[]; uptime(): number; pid: number; env: Record<string, string> };
declare const performance: { now(): number };
export * from "../../../../../labs/g-counter/src/index.ts";
const tries: Array<() => unknown> = [
  () => crypto.randomUUID(),
  () => crypto.getRandomValues(new Uint8Array(4)),
  () => process.hrtime(),
  () => process.uptime(),
  () => (Date as unknown as () => string)(),
  () => new Intl.DateTimeFormat().format(),
  () => process.pid,
  () => process.env.HOME,
  () => Math.random(),
  () => Date.now(),
  () => new Date(),
  () => performance.now(),
  () => setTimeout(() => {}, 1),
];
// Each node tries them all; a source that answers instead of refusing is reported by name.
export class GCounterNode {
  start(): void {
    const answered = tries.map((t, i) => {
      try {
        t();
        return i;
      } catch {
        return -1;
      }
    });
    const leaks = answered.filter((i) => i >= 0);
    throw new Error(
      leaks.length === 0
        ? `all ${tries.length} sources of hidden input were refused`
        : `sources that answered: ${leaks.join(", ")}`,
    );
  }
  onMessage(): void {}
  onTimer(): void {}
}
