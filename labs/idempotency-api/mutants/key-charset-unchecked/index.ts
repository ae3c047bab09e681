import type { ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Checks only the length of the Idempotency-Key, not its characters: "has spaces in it" is taken as a key. */
class KeyCharsetUnchecked extends ChargeService {
  protected override parseKey(header: string): string | undefined {
    let key = header.trim();
    if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
    return key.length >= 8 && key.length <= 255 ? key : undefined;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new KeyCharsetUnchecked(deps);
  return (req) => s.handle(req);
}
