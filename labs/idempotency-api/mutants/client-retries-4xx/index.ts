import type { ClientOptions } from "../../reference/index.ts";
import { PaymentsClient as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class PaymentsClient extends Reference {
  protected override shouldRetry(status: number): boolean {
    return status >= 400;
  }
}
export type { ClientOptions };
