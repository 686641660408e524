-- The route feed's other half, edges, and promotion policy.
-- Migrations are never edited once landed; add a new file.

-- Allocation readiness shares the route event log's gap-free sequence, so an edge that applied
-- sequence N knows both who owns every route and which allocations may serve it. `type` is a
-- RouteEvent type of @berth/core; `payload` is the event as edges receive it (without seq and at).
ALTER TABLE route_events ADD COLUMN type text NOT NULL DEFAULT 'route.owner';
ALTER TABLE route_events ADD COLUMN payload jsonb;
ALTER TABLE route_events ALTER COLUMN hostname DROP NOT NULL;
ALTER TABLE route_events ALTER COLUMN epoch DROP NOT NULL;

-- An edge registers with a join token and reports the sequence it has applied; a promotion waits
-- for every live edge to reach the sequence of its route change.
CREATE TABLE edges (
  id             text PRIMARY KEY,
  name           text NOT NULL UNIQUE,
  region         text NOT NULL,
  transport      text NOT NULL CHECK (transport IN ('embedded', 'jetstream')),
  applied_seq    bigint NOT NULL DEFAULT 0,
  -- live: reporting; offline: silent past the timeout (a promotion does not wait for it).
  status         text NOT NULL CHECK (status IN ('live', 'offline')),
  -- Set while the edge fails closed for some routes after a gap or a bad document.
  degraded_reason text,
  version        text NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

-- What an edge found wrong with the feed (a gap, a bad signature or checksum), and when a fresh
-- snapshot cleared it: the evidence of the "Route Event Replay Gap" runbook.
CREATE TABLE propagation_incidents (
  id                 text PRIMARY KEY,
  edge_id            text NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
  at                 timestamptz NOT NULL,
  kind               text NOT NULL,
  expected_seq       bigint,
  got_seq            bigint,
  detail             text NOT NULL,
  affected_hostnames jsonb NOT NULL DEFAULT '[]',
  resolved_at        timestamptz,
  resolved_seq       bigint
);
CREATE INDEX propagation_incidents_edge ON propagation_incidents (edge_id, at);

-- Promotion policy per environment: a frozen environment refuses promotions with its reason, one
-- that requires approval waits for a recorded approval, and the gap policy tells edges whether to
-- fail closed or keep the last verified owner for its routes while they refetch a snapshot.
ALTER TABLE environments ADD COLUMN frozen boolean NOT NULL DEFAULT false;
ALTER TABLE environments ADD COLUMN frozen_reason text;
ALTER TABLE environments ADD COLUMN frozen_by text;
ALTER TABLE environments ADD COLUMN frozen_at timestamptz;
ALTER TABLE environments ADD COLUMN require_approval boolean NOT NULL DEFAULT false;
ALTER TABLE environments ADD COLUMN gap_policy text NOT NULL DEFAULT 'fail_closed' CHECK (gap_policy IN ('fail_closed', 'keep_last_owner'));
