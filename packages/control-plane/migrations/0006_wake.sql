-- Sleep and wake: one wake per environment at a time, the requests that attached to it, each
-- environment's sleep state, and the activity edges report.
-- Migrations are never edited once landed; add a new file.

-- Exactly one wake per environment at a time, enforced where it cannot be raced: a second request's
-- insert fails on this index and attaches to the wake in flight (or the hot one) instead. A failed
-- or sleeping wake is terminal and leaves room for the next.
CREATE UNIQUE INDEX operations_one_wake ON operations (subject_id) WHERE kind = 'wake' AND role <> 'terminal';
-- Wakes of an environment by time, for the stampede limit (wakes per window).
CREATE INDEX operations_wakes_by_time ON operations (subject_id, created_at) WHERE kind = 'wake';

-- The requests that created or attached to a wake: counts per request class and, bounded, the
-- first triggers (method, path, whether an Idempotency-Key was present; never a body), the edges
-- they came through and the verified provider event ids of webhooks.
CREATE TABLE wake_requests (
  operation_id    text PRIMARY KEY REFERENCES operations(id) ON DELETE CASCADE,
  safe_count      integer NOT NULL DEFAULT 0,
  unsafe_count    integer NOT NULL DEFAULT 0,
  webhook_count   integer NOT NULL DEFAULT 0,
  live_count      integer NOT NULL DEFAULT 0,
  edges           jsonb NOT NULL DEFAULT '[]',
  triggers        jsonb NOT NULL DEFAULT '[]',
  webhook_events  jsonb NOT NULL DEFAULT '[]',
  first_at        timestamptz NOT NULL,
  last_at         timestamptz NOT NULL
);

-- Whether an environment sleeps (its desired count was put to 0 for idleness) and why; the last
-- activity the control plane saw (a wake, an allocation start, a request an edge reported).
ALTER TABLE environments ADD COLUMN sleep_state text NOT NULL DEFAULT 'awake' CHECK (sleep_state IN ('awake', 'sleeping'));
ALTER TABLE environments ADD COLUMN sleeping_since timestamptz;
ALTER TABLE environments ADD COLUMN last_activity_at timestamptz;
ALTER TABLE environments ADD COLUMN sleep_evidence jsonb;

-- What each edge last reported for an environment: its last request, and the live sessions and
-- requests it has open there now (long-lived connections are activity).
CREATE TABLE edge_activity (
  environment_id   text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  edge_id          text NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
  last_request_at  timestamptz,
  open_sessions    integer NOT NULL DEFAULT 0,
  in_flight        integer NOT NULL DEFAULT 0,
  reported_at      timestamptz NOT NULL,
  PRIMARY KEY (environment_id, edge_id)
);
