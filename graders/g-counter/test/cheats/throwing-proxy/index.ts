// Objects that throw on every access, handed to the grader wherever it reads.
const evil: object = new Proxy(
  {},
  {
    get() {
      throw new Error("gotcha");
    },
    ownKeys() {
      throw new Error("gotcha");
    },
  },
);
export * from "../../../../../labs/g-counter/src/index.ts";
export class GCounter {
  static fromJSON(): object {
    return evil;
  }
  constructor() {
    // biome-ignore lint/correctness/noConstructorReturn: the cheat hands out a throwing proxy instead of an instance
    return evil as GCounter;
  }
}
export class GCounterNode {
  constructor() {
    // biome-ignore lint/correctness/noConstructorReturn: the cheat hands out a throwing proxy instead of an instance
    return evil as GCounterNode;
  }
}
