/**
 * The one catalog of coded errors. Every refusal Berth makes has an entry here with the HTTP status
 * it maps to, a default message and a suggestion that says what to do next. `docs/errors.md` lists
 * the same codes; a test keeps the two equal.
 */
export const errorCatalog = {
  // Requests.
  invalid_json: { status: 400, message: 'The request body is not valid JSON.', suggestion: 'Send a JSON document with Content-Type: application/json.' },
  invalid_body: { status: 400, message: 'The request body does not match the schema.', suggestion: 'Fix the field named in the message and send the request again.' },
  invalid_query: { status: 400, message: 'A query parameter is not valid.', suggestion: 'Fix the parameter named in the message and send the request again.' },
  invalid_id: { status: 400, message: 'The id is not well formed.', suggestion: 'Copy the id from a list or show command; ids look like app_01J....' },
  invalid_cursor: { status: 400, message: 'The pagination cursor is not valid.', suggestion: 'Use the nextCursor value from the previous page, or omit cursor to start over.' },
  unsupported_media_type: { status: 415, message: 'The request body has a content type this endpoint does not accept.', suggestion: 'Send Content-Type: application/json.' },
  body_too_large: { status: 413, message: 'The request body is larger than this endpoint accepts.', suggestion: 'Send a smaller body.' },
  route_not_found: { status: 404, message: 'There is no such endpoint.', suggestion: 'See /api/openapi.json for the endpoints this server offers.' },
  method_not_allowed: { status: 405, message: 'This endpoint does not accept that method.', suggestion: 'See /api/openapi.json for the methods each endpoint accepts.' },

  // Authentication and authorization.
  unauthenticated: { status: 401, message: 'No valid API token was presented.', suggestion: 'Run `berth login`, or set BERTH_TOKEN, with a token from <data dir>/admin-token or `berth tokens create`.' },
  forbidden: { status: 403, message: 'This token may not do that.', suggestion: 'Use a token with the admin role.' },

  // Resources.
  not_found: { status: 404, message: 'No such resource.', suggestion: 'Check the name or id; list commands show what exists.' },
  name_taken: { status: 409, message: 'That name is already taken.', suggestion: 'Choose another name.' },
  conflict: { status: 409, message: 'The resource changed while the request was being handled.', suggestion: 'Read it again and retry.' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was already used for a different request.', suggestion: 'Use a new Idempotency-Key for a different request.' },
  idempotency_key_in_flight: { status: 409, message: 'A request with this Idempotency-Key is still being handled.', suggestion: 'Wait for the first request to finish, then retry.' },

  // Operations.
  illegal_transition: { status: 409, message: 'That transition is not legal from the operation\'s current state.', suggestion: 'Read the operation (`berth ops show <id>`) to see its state and what it accepts.' },
  gate_not_passed: { status: 409, message: 'A gate guarding the target state has not passed.', suggestion: 'Read the operation\'s gates (`berth ops show <id>`) and fix the one that is not passing.' },
  stale_executor: { status: 409, message: 'The operation was changed by another executor; this write was refused.', suggestion: 'Nothing to do: the executor holding the lease carries the operation on.' },
  unknown_operation_kind: { status: 400, message: 'There is no operation of that kind.', suggestion: 'Use one of the seven operation kinds listed in docs/operations/.' },
  executor_already_registered: { status: 500, message: 'An executor is already registered for this operation kind.', suggestion: 'Register one executor per operation kind.' },

  // Secrets.
  secrets_not_configured: { status: 503, message: 'Secrets are not configured on this control plane.', suggestion: 'Start it with BERTH_MASTER_KEY set, or with a writable data directory for <data dir>/master-key.' },
  secret_unreadable: { status: 500, message: 'A stored secret could not be decrypted.', suggestion: 'Check that BERTH_MASTER_KEY (or <data dir>/master-key) is the key the secrets were stored with; otherwise set the secret again.' },
  master_key_mismatch: { status: 500, message: 'The master key is not the one this store\'s secrets were sealed with.', suggestion: 'Start with the key used before; every control plane sharing a store must hold the same key.' },

  // Routes.
  route_epoch_conflict: { status: 409, message: 'The route owner changed while this change was being made.', suggestion: 'Read the route owner again; another operation moved it first.' },

  // The store.
  data_dir_locked: { status: 500, message: 'The data directory is in use by another process.', suggestion: 'Stop the other Berth process, or start this one with another --data-dir.' },
  store_unavailable: { status: 503, message: 'The store cannot be reached.', suggestion: 'Check BERTH_DATABASE_URL and that PostgreSQL is running.' },
  migration_changed: { status: 500, message: 'A migration that was already applied has changed on disk.', suggestion: 'Migrations are never edited once applied: restore the file and add a new migration instead.' },

  // Manifests, artifacts and builds.
  invalid_manifest: { status: 400, message: 'The berth.toml manifest is not valid.', suggestion: 'Fix the key named in the message (file, line and key are given) and deploy again.' },
  artifact_not_found: { status: 404, message: 'No artifact with that digest is in the store.', suggestion: 'Deploy again to build the artifact.' },
  artifact_digest_mismatch: { status: 500, message: 'The stored artifact no longer hashes to its digest.', suggestion: 'The artifact was changed on disk: deploy again to build a fresh one, and check the data directory for tampering.' },
  invalid_migration_sql: { status: 400, message: 'A migration file is not valid PostgreSQL.', suggestion: 'Fix the SQL at the position named in the message.' },
  source_too_large: { status: 413, message: 'The uploaded source is larger than the limit.', suggestion: 'Add large files that the build does not need to .berthignore, or raise the upload limit.' },

  // Configuration.
  invalid_config: { status: 500, message: 'The configuration is not valid.', suggestion: 'Fix the setting named in the message.' },

  // The catch-all; its message never carries internals.
  internal: { status: 500, message: 'Berth hit an unexpected error.', suggestion: 'Retry; if it persists, look at the control plane\'s log for the request id.' },
} as const satisfies Record<string, { status: number; message: string; suggestion: string }>;

export type ErrorCode = keyof typeof errorCatalog;
