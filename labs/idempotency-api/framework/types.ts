/**
 * The types shared by the framework (which you do not write) and your code in src/.
 * The framework owns the HTTP plumbing, the database connection, the migrations, the
 * downstream payment provider and the failpoints; you write the charge handler and the client.
 */

/** One HTTP request as the framework hands it to your charge handler. */
export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. "/charges". */
  path: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body as text (the framework already enforced the size limit: 413). */
  body: string;
}

/** What your handler answers. The framework writes it to the socket as is. */
export interface ApiResponse {
  status: number;
  /** Extra headers, e.g. { "content-type": "application/json", "retry-after": "1" }. */
  headers?: Record<string, string>;
  /** The exact bytes of the body (as text). Replays must send these very bytes again. */
  body: string;
}

export type ChargeHandler = (req: ApiRequest) => Promise<ApiResponse>;

/** A row set, the same shape for PGlite and for node-postgres. */
export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated, deleted or returned. */
  rowCount: number;
}

export interface Queryable {
  /** One SQL statement with $1, $2... parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface Db extends Queryable {
  /**
   * Run `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK when it throws). Use `tx` for every
   * statement inside; `isolation` defaults to READ COMMITTED.
   */
  transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    opts?: { isolation?: "read committed" | "repeatable read" | "serializable" },
  ): Promise<T>;
  /** "pglite" (embedded, the default) or "postgres" (a server given by DATABASE_URL). */
  readonly kind: "pglite" | "postgres";
  close(): Promise<void>;
}

/** What the provider is asked to charge. */
export interface ProviderChargeRequest {
  amount: number;
  currency: string;
  source: string;
  /** Pass the request's description (or null): the grader matches payments by it. */
  description: string | null;
}

export type ProviderChargeResult =
  | { outcome: "succeeded"; providerChargeId: string }
  | { outcome: "declined"; code: string; message: string };

/**
 * The downstream payment provider. `charge` either resolves with a definite outcome or throws
 * ProviderUnavailable when the outcome is unknown or the provider could not be reached (a
 * timeout, a 5xx, a reset connection): the charge may or may not have happened.
 */
export interface Provider {
  charge(req: ProviderChargeRequest, opts: { idempotencyKey?: string }): Promise<ProviderChargeResult>;
}

export class ProviderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderUnavailable";
  }
}

export interface ServiceConfig {
  /** How long a stored key and its response are kept; older keys count as new (ms). */
  retentionMs: number;
  /** How long a lock on a key is honoured; an older lock is stale and may be taken over (ms). */
  leaseMs: number;
}

/** Everything your handler may use. */
export interface ServiceDeps {
  db: Db;
  provider: Provider;
  config: ServiceConfig;
  /** The server's clock in ms since the epoch (the grader can move it forward). Use it, not Date.now(). */
  now(): number;
  /** A fresh random id with the given prefix, e.g. newId("ch_") -> "ch_3f9a...". */
  newId(prefix: string): string;
}

/** The response to one HTTP attempt, as the client transport returns it. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpAttempt {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
  /** Abort the attempt after this many ms (rejects with TransportError kind "timeout"). */
  timeoutMs: number;
}

/** Sends one HTTP attempt. Rejects with TransportError when no response arrived. */
export type Transport = (attempt: HttpAttempt) => Promise<HttpReply>;

export class TransportError extends Error {
  constructor(
    readonly kind: "timeout" | "network",
    message: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}
