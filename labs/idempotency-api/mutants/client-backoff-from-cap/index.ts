import type { ClientOptions } from "../../reference/index.ts";
import { PaymentsClient as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Jitters over the whole cap from the first retry on: max instead of min of the cap and the exponential step. */
export class PaymentsClient extends Reference {
  protected override backoffMs(attempt: number): number {
    return this.random() * Math.max(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
  }
}
export type { ClientOptions };
