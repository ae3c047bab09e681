/** The schema of the lab. The framework applies it at every server start (idempotently). */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
    id SERIAL PRIMARY KEY,
    client_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    request_body TEXT NOT NULL,
    recovery_point TEXT NOT NULL DEFAULT 'started',
    locked_at DOUBLE PRECISION,
    lock_token TEXT,
    response_status INTEGER,
    response_content_type TEXT,
    response_body TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    UNIQUE (client_id, idempotency_key)
  )`,
  `CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY,
    idempotency_key_id INTEGER REFERENCES idempotency_keys (id) ON DELETE SET NULL,
    client_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT,
    provider_charge_id TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
  )`,
];
