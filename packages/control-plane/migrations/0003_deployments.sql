-- Deployments, their build output, and route owners with their gap-free event log.
-- Migrations are never edited once landed; add a new file.

-- One row per deploy: where the source came from, the artifact it produced (by digest), and the
-- preview environment it got. The deploy operation (operations.id) is the truth about its state.
CREATE TABLE deployments (
  id                     text PRIMARY KEY,
  org_id                 text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  app_id                 text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  target_environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  preview_environment_id text REFERENCES environments(id) ON DELETE SET NULL,
  operation_id           text NOT NULL,
  short_id               text NOT NULL UNIQUE,
  source_kind            text NOT NULL CHECK (source_kind IN ('upload', 'git')),
  source_url             text,
  source_ref             text,
  source_digest          text,
  commit_sha             text,
  digest                 text,
  manifest               jsonb,
  asset_manifest         jsonb,
  migrations             jsonb,
  preview_host           text,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);
CREATE INDEX deployments_app ON deployments (app_id, id);
CREATE INDEX deployments_digest ON deployments (digest);

-- Build output, kept with the deployment, in the order it was written.
CREATE TABLE build_logs (
  deployment_id  text NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  seq            integer NOT NULL,
  at             timestamptz NOT NULL,
  text           text NOT NULL,
  PRIMARY KEY (deployment_id, seq)
);

-- Who serves a hostname: the only truth the edge routes by. `epoch` grows by one on every change,
-- and a change is a compare-and-swap on it.
CREATE TABLE route_owners (
  hostname        text PRIMARY KEY,
  environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  deployment_id   text REFERENCES deployments(id) ON DELETE SET NULL,
  digest          text,
  epoch           integer NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX route_owners_environment ON route_owners (environment_id);

-- Every route-owner change, with a gap-free sequence number edges apply in order.
CREATE TABLE route_events (
  seq            bigint PRIMARY KEY,
  at             timestamptz NOT NULL,
  hostname       text NOT NULL,
  environment_id text NOT NULL,
  deployment_id  text,
  digest         text,
  epoch          integer NOT NULL,
  operation_id   text
);
