import type { ClientOptions } from "../../reference/index.ts";
import { PaymentsClient as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Counts attempts from 1 but stops while attempt < maxAttempts: one attempt fewer than asked. */
export class PaymentsClient extends Reference {
  constructor(opts: ClientOptions) {
    super({ ...opts, maxAttempts: (opts.maxAttempts ?? 8) - 1 });
  }
}
export type { ClientOptions };
