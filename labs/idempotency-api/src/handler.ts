/**
 * Part A-D: the charge handler of POST /charges. The framework calls createChargeHandler once
 * at server start and then the returned function for every POST /charges (after its own checks:
 * unknown route 404, wrong method 405, body over 16 KiB 413). Read ../README.md for the exact
 * contract (codes, problem types, bodies) and ../framework/types.ts for what `deps` offers.
 */
import { NotImplemented } from "@faultline/sim";
import type { ApiRequest, ApiResponse, ChargeHandler, ServiceDeps } from "../framework/index.ts";

/**
 * Build the handler. Keep no request state in memory: the server may be killed (SIGKILL) at any
 * moment and restarted on the same database, and with DATABASE_URL several servers may share it.
 *
 * TODO, in this order (each step answers with `problem(...)` from the framework when it fails;
 * none of these early failures stores anything or calls the provider):
 *  1. Client: "Authorization: Bearer <token>" (the scheme in any case, then one or more spaces;
 *     token: 1-64 of A-Z a-z 0-9 . _ -), else 401
 *     unauthorized with the header "WWW-Authenticate: Bearer" (RFC 9110, section 11.6.1: a
 *     401 names the scheme to use). The token is the client id: keys are scoped per client.
 *  2. Idempotency-Key: missing or empty -> 400 idempotency-key-missing; not 8-255 characters of
 *     A-Z a-z 0-9 . _ : - (a value in double quotes counts without its quotes: "k" and k are
 *     the same key; a quote on one side only is not allowed) -> 400 idempotency-key-invalid.
 *  3. Content-Type must be application/json (parameters such as charset allowed, with optional
 *     spaces around the ";" and any letter case: RFC 9110, section 8.3.1), else 415.
 *  4. The body must parse as JSON (400 invalid-json) and be a valid charge (400 invalid-request):
 *     {"amount": integer 1..1000000, "currency": 3 lowercase letters, "source": 1-64 chars,
 *      "description"?: string of at most 200 chars or null}; no other fields.
 *  5. Phase 1, one transaction (deps.db.transaction): look the key up for this client
 *     (SELECT ... FOR UPDATE). Older than config.retentionMs? It counts as new (delete it). New:
 *     INSERT it locked, with a fingerprint of the request (same parameters in any key order give
 *     the same fingerprint); a concurrent INSERT that loses the unique (client_id,
 *     idempotency_key) race means another request is in flight. Existing: other fingerprint ->
 *     422 idempotency-key-reused; finished -> replay its stored status and body byte for byte,
 *     with the header "idempotent-replayed: true"; locked less than config.leaseMs ago -> 409
 *     idempotency-key-in-use with the header "Retry-After: 1"; otherwise (unlocked, or a stale lock) take the lock and go on.
 *  6. Phase 2: deps.provider.charge(params, { idempotencyKey }) with a provider key derived from
 *     this logical request (the same on every retry and after a crash, a new one after expiry).
 *     ProviderUnavailable -> unlock the key (keep its recovery point) and answer 503
 *     provider-unavailable: nothing is stored, a retry resumes.
 *  7. Phase 3, one transaction: insert the row into `charges` (succeeded) and store the response
 *     (201 charge, or 402 card-declined with a unique "instance"), mark the key finished and
 *     unlock it. Only then answer.
 */
export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  void deps;
  return async (req: ApiRequest): Promise<ApiResponse> => {
    void req;
    throw new NotImplemented("createChargeHandler (src/handler.ts): the POST /charges handler");
  };
}
