// A read that never returns.
export * from "../../../../../labs/g-counter/src/index.ts";
export class GCounter {
  constructor(readonly replicaId: string) {}
  increment(): void {}
  get(): number {
    for (;;) {}
  }
  value(): number {
    for (;;) {}
  }
  get entries(): number {
    for (;;) {}
  }
  toJSON(): object {
    for (;;) {}
  }
}
