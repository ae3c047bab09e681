import type { ClientOptions } from "../../reference/index.ts";
import { PaymentsClient as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class PaymentsClient extends Reference {
  constructor(opts: ClientOptions) {
    super({ ...opts, attemptTimeoutMs: 60_000 });
  }
}
export type { ClientOptions };
