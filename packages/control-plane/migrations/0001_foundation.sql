-- The foundation: organizations, API tokens, apps, environments, and the durable operations
-- with their append-only timeline. Migrations are never edited once landed; add a new file.

CREATE TABLE organizations (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL
);

-- Tokens are stored as a SHA-256 hash; the secret itself is shown once, at creation.
CREATE TABLE api_tokens (
  id            text PRIMARY KEY,
  org_id        text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'member')),
  hash          text NOT NULL UNIQUE,
  prefix        text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

-- App names are global: they are the first label of the app's hostnames.
CREATE TABLE apps (
  id          text PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL
);
CREATE INDEX apps_org_name ON apps (org_id, name);

CREATE TABLE environments (
  id          text PRIMARY KEY,
  app_id      text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('production', 'preview')),
  created_at  timestamptz NOT NULL,
  UNIQUE (app_id, name)
);
-- One production environment per app, enforced where it cannot be raced.
CREATE UNIQUE INDEX environments_one_production ON environments (app_id) WHERE kind = 'production';

-- One row per meaningful mutation. `version` grows by one on every write and fences them: a write
-- names the version it read and the lease it holds, and loses if either moved.
CREATE TABLE operations (
  id                text PRIMARY KEY,
  org_id            text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  kind              text NOT NULL,
  subject_type      text NOT NULL,
  subject_id        text NOT NULL,
  state             text NOT NULL,
  role              text NOT NULL CHECK (role IN ('active', 'resting', 'terminal')),
  version           integer NOT NULL,
  input             jsonb NOT NULL DEFAULT '{}',
  output            jsonb NOT NULL DEFAULT '{}',
  gates             jsonb NOT NULL DEFAULT '{}',
  failure_mode      text,
  reason            text,
  idempotency_key   text,
  request_hash      text,
  lease_owner       text,
  lease_expires_at  timestamptz,
  run_after         timestamptz NOT NULL,
  attempts          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  finished_at       timestamptz
);
CREATE UNIQUE INDEX operations_idempotency ON operations (org_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX operations_runnable ON operations (run_after) WHERE role = 'active';
CREATE INDEX operations_org ON operations (org_id, id);
CREATE INDEX operations_subject ON operations (subject_id, id);

-- The append-only timeline: transitions, gate results, lease takeovers, notes.
CREATE TABLE operation_events (
  operation_id  text NOT NULL REFERENCES operations(id) ON DELETE CASCADE,
  seq           integer NOT NULL,
  at            timestamptz NOT NULL,
  type          text NOT NULL,
  from_state    text,
  to_state      text,
  sentence      text NOT NULL,
  evidence      jsonb NOT NULL DEFAULT '{}',
  actor         text NOT NULL,
  PRIMARY KEY (operation_id, seq)
);

-- Responses kept for requests that carried an Idempotency-Key, so a retry gets the same answer.
CREATE TABLE idempotent_requests (
  org_id        text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  key           text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  status        integer,
  response      jsonb,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (org_id, key)
);
