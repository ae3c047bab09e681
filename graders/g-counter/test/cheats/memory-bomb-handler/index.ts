// Allocate without bound in a handler.
export * from "../../../../../labs/g-counter/src/index.ts";
const hoard: number[][] = [];
export class GCounterNode {
  start(): void {
    for (let i = 0; ; i++) hoard.push(new Array(1_000_000).fill(i));
  }
  onMessage(): void {}
  onTimer(): void {}
}
