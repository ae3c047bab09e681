/** A small HTTP client over node:http: one connection per attempt, a hard per-attempt timeout. */
import { request } from "node:http";
import { TransportError, type HttpAttempt, type HttpReply } from "./types.ts";

const MAX_REPLY_BYTES = 1 << 20;

/** Send one attempt. Resolves with any HTTP response; rejects with TransportError otherwise. */
export function sendHttp(attempt: HttpAttempt): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const req = request(
      attempt.url,
      {
        method: attempt.method,
        headers: { ...attempt.headers, "content-length": String(Buffer.byteLength(attempt.body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) req.destroy(new Error("reply too large"));
          else chunks.push(c);
        });
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
          finish(() => resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") }));
        });
        res.on("error", (err) => finish(() => reject(new TransportError("network", err.message))));
        res.on("aborted", () => finish(() => reject(new TransportError("network", "connection closed mid-response"))));
      },
    );
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError("timeout", `no response within ${attempt.timeoutMs} ms`)));
      req.destroy();
    }, attempt.timeoutMs);
    req.on("error", (err) => finish(() => reject(new TransportError("network", err.message))));
    req.end(attempt.body);
  });
}

/** Read a body with a byte limit (undefined when over it): the shared transport's reader. */
export { readLimited as readBody } from "@faultline/net";
