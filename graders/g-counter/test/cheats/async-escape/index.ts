// Work that continues after the handler returned (a promise), to act outside the simulator's view.
export * from "../../../../../labs/g-counter/src/index.ts";
export class GCounterNode {
  start(env: { send(to: string, m: unknown): void; peers: readonly string[] }): void {
    void Promise.resolve().then(() => env.send(env.peers[0] as string, { type: "forged" }));
  }
  onMessage(): void {}
  onTimer(): void {}
}
