import type { ClientOptions } from "../../reference/index.ts";
import { PaymentsClient as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class PaymentsClient extends Reference {
  protected override keyFor(key: string, attempt: number): string {
    return attempt === 1 ? key : `${key}-retry${attempt}`;
  }
}
export type { ClientOptions };
