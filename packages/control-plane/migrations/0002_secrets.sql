-- Per-environment secrets, sealed at rest with AES-256-GCM under the master key (see
-- src/secrets/secret-box.ts). `sealed` holds [format][key id][nonce][ciphertext][tag], bound to its
-- (environment_id, name) row: a value copied into another row does not decrypt. Values never
-- leave the control plane through the API; only names and timestamps are listed.
CREATE TABLE secrets (
  environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (name ~ '^[A-Z_][A-Z0-9_]*$' AND length(name) <= 128),
  sealed          bytea NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  updated_by      text NOT NULL,
  PRIMARY KEY (environment_id, name)
);

-- One row per master key id, holding a one-way fingerprint of the key. A control plane started with
-- a different key than the one the secrets were sealed with is refused at start, instead of failing
-- to decrypt at the first deploy.
CREATE TABLE secret_keys (
  key_id       integer PRIMARY KEY CHECK (key_id BETWEEN 0 AND 255),
  fingerprint  text NOT NULL,
  created_at   timestamptz NOT NULL
);
