/** RFC 9457 problem details, the body of every error answer of the API. */
import type { ApiResponse } from "./types.ts";

export const PROBLEM_TYPE_PREFIX = "urn:faultline:problem:";

/**
 * A problem-details response: {"type": "urn:faultline:problem:<slug>", "title", "status",
 * "detail", ...extra} with content type application/problem+json.
 */
export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
    body: JSON.stringify({ type: `${PROBLEM_TYPE_PREFIX}${slug}`, title, status, detail, ...extra }),
  };
}
