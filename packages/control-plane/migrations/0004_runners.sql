-- Runners and allocations: hosts that join with a join token, the allocations scheduled on them,
-- their output, and how many allocations each environment wants.
-- Migrations are never edited once landed; add a new file.

-- Join tokens let a runner register a host; only their SHA-256 hash is kept.
CREATE TABLE join_tokens (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  hash        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE hosts (
  id                 text PRIMARY KEY,
  name               text NOT NULL UNIQUE,
  region             text NOT NULL,
  labels             jsonb NOT NULL DEFAULT '{}',
  cpus               integer NOT NULL,
  memory_bytes       bigint NOT NULL,
  runner_version     text NOT NULL,
  status             text NOT NULL CHECK (status IN ('ready', 'cordoned', 'offline')),
  -- Set when an operator cordons: kept through offline and back.
  cordoned           boolean NOT NULL DEFAULT false,
  last_heartbeat_at  timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);

-- One row per allocation; its lifecycle is the allocation operation (operations.id).
CREATE TABLE allocations (
  id              text PRIMARY KEY,
  operation_id    text NOT NULL UNIQUE,
  org_id          text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  app_id          text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  deployment_id   text NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  host_id         text NOT NULL REFERENCES hosts(id),
  digest          text NOT NULL,
  memory_bytes    bigint NOT NULL,
  address_host    text,
  address_port    integer,
  cpu_percent     real,
  rss_bytes       bigint,
  stats_at        timestamptz,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX allocations_environment ON allocations (environment_id);
CREATE INDEX allocations_host ON allocations (host_id);

CREATE TABLE allocation_logs (
  allocation_id  text NOT NULL REFERENCES allocations(id) ON DELETE CASCADE,
  seq            integer NOT NULL,
  at             timestamptz NOT NULL,
  stream         text NOT NULL,
  text           text NOT NULL,
  PRIMARY KEY (allocation_id, seq)
);

-- What each environment should run: a deployment and how many allocations of it.
ALTER TABLE environments ADD COLUMN deployment_id text REFERENCES deployments(id) ON DELETE SET NULL;
ALTER TABLE environments ADD COLUMN desired_count integer NOT NULL DEFAULT 0;
-- 'running', or 'crashloop' after repeated exits within a window (cleared by a deploy or a scale).
ALTER TABLE environments ADD COLUMN run_status text NOT NULL DEFAULT 'running';
ALTER TABLE environments ADD COLUMN run_status_reason text;
-- Failures before this moment do not count toward a crash loop (a scale or a deploy starts afresh).
ALTER TABLE environments ADD COLUMN run_status_since timestamptz;
