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

  // Promotion and rollback.
  environment_frozen: { status: 409, message: 'The environment is frozen: it refuses promotions.', suggestion: 'Read the freeze reason; an admin unfreezes it with `berth env unfreeze` once it is safe. A rollback is still allowed.' },
  deployment_not_promotable: { status: 409, message: 'This deployment cannot be promoted.', suggestion: 'Promote a deployment whose preview is ready (`berth deployments list --app <app>`); production never gets an artifact no preview served.' },
  nothing_to_roll_back: { status: 409, message: 'There is no earlier deployment to roll back to.', suggestion: 'Name one with `berth rollback --to <deployment>`, or promote a new deployment instead.' },

  // Sleep and wake.
  nothing_to_wake: { status: 409, message: 'This environment has nothing a wake could start: no route owner yet, or an assets-only deployment.', suggestion: 'Deploy the app (and promote it, for production) first; an assets-only app is served by the edge and never sleeps.' },
  // Sleep and wake at the edge: what it answers while an app sleeps or wakes, and for webhooks.
  app_waking: { status: 503, message: 'The app is asleep and waking up; it was not ready to answer this request in time.', suggestion: 'Retry after the Retry-After delay; a waking app is usually ready within seconds.' },
  wake_failed: { status: 503, message: 'The app could not be woken.', suggestion: 'Retry after the Retry-After delay; `berth wake status <app>` shows the failed wake, its reason and a repair hint.' },
  wake_hold_full: { status: 503, message: 'The edge is already holding as many requests as it may while apps wake.', suggestion: 'Retry after the Retry-After delay.' },
  unsafe_request_not_held: { status: 503, message: 'The app is asleep and waking up. This request was not sent to it: a POST, PUT, PATCH or DELETE is held through a wake only with an Idempotency-Key and a body under the hold limit.', suggestion: 'Retry after the Retry-After delay, or send an Idempotency-Key header so the edge can hold the request and forward it exactly once.' },
  request_path_malformed: { status: 400, message: 'The request path cannot be read: it does not start with "/", or has a bad percent-escape, a control character or a "." or ".." segment.', suggestion: 'Send the path as a browser would: resolved, and percent-encoded as UTF-8.' },
  webhook_signature_invalid: { status: 401, message: 'The webhook signature does not verify.', suggestion: 'Check that the provider signs with the secret the app\'s [[webhooks]] entry names (`berth secrets set`), and that the body reaches the edge unchanged.' },
  webhook_event_in_flight: { status: 409, message: 'A delivery of this webhook event is being handled right now.', suggestion: 'Nothing to do: the provider retries, and a repeat after the first delivery succeeded is acknowledged without running it again.' },
  webhook_unverifiable: { status: 503, message: 'The edge cannot verify this webhook now: it could not read the signing secret from the control plane.', suggestion: 'Retry after the Retry-After delay; check that the edge reaches the control plane and that the secret is set for the environment.' },

  // The edge: what it answers itself when no allocation answers, and why its route feed stops.
  bad_request: { status: 400, message: 'The request is not valid HTTP.', suggestion: 'Fix the request framing (Content-Length, Transfer-Encoding, chunk sizes) and send it again.' },
  host_not_found: { status: 404, message: 'No app is served at this hostname.', suggestion: 'Check the hostname; `berth apps show <app>` lists the hostnames an app answers on.' },
  request_timeout: { status: 408, message: 'The request was not received in time.', suggestion: 'Send the whole request promptly, or check the network between you and the edge.' },
  request_header_too_large: { status: 431, message: 'The request headers are larger than the edge accepts.', suggestion: 'Send fewer or smaller headers (large cookies are the usual cause).' },
  upstream_unreachable: { status: 502, message: 'The app did not accept the connection or closed it before answering.', suggestion: 'Retry; if it persists, read the app\'s logs (`berth logs <app>`).' },
  no_ready_target: { status: 503, message: 'The app has no ready instance right now.', suggestion: 'Retry after the Retry-After delay; `berth apps show <app>` says why nothing is ready.' },
  upstream_timeout: { status: 504, message: 'The app did not answer in time.', suggestion: 'Retry; if it persists, the app is too slow for this request or stuck: read its logs.' },
  route_unverified: { status: 503, message: 'The edge cannot vouch for who serves this hostname: its route feed has a gap and this route fails closed until a fresh signed snapshot arrives.', suggestion: 'Retry after the Retry-After delay; if it persists, check that the edge reaches the control plane and read its propagation incidents.' },
  edge_not_synced: { status: 503, message: 'The edge has not received a verified route snapshot from the control plane yet.', suggestion: 'Retry after the Retry-After delay; if it persists, check that the edge reaches the control plane.' },
  asset_not_found: { status: 404, message: 'No file is served at this path.', suggestion: 'Check the path; the deployment\'s asset manifest lists the files the edge serves.' },
  asset_method_not_allowed: { status: 405, message: 'An asset is served for GET and HEAD only.', suggestion: 'Use GET or HEAD for this path.' },
  range_not_satisfiable: { status: 416, message: 'The requested byte range is outside the file.', suggestion: 'Ask for a range within the size the Content-Range header gives, or send the request without Range.' },
  asset_unavailable: { status: 503, message: 'The edge could not fetch this asset from the artifact store.', suggestion: 'Retry after the Retry-After delay; if it persists, check that the edge reaches the control plane.' },
  route_key_mismatch: { status: 500, message: 'The control plane signs routes with another key than the one this edge trusts.', suggestion: 'Check the control plane URL; if the key was rotated on purpose, give the edge the new routePublicKey or remove <data dir>/route-public-key.' },
  control_plane_unreachable: { status: 503, message: 'The control plane could not be reached.', suggestion: 'Check the control plane URL and that it is running; the edge keeps retrying on its own.' },

  // The store.
  data_dir_locked: { status: 500, message: 'The data directory is in use by another process.', suggestion: 'Stop the other Berth process, or start this one with another --data-dir.' },
  store_unavailable: { status: 503, message: 'The store cannot be reached.', suggestion: 'Check BERTH_DATABASE_URL and that PostgreSQL is running.' },
  nats_unavailable: { status: 503, message: 'NATS cannot be reached.', suggestion: 'Check BERTH_NATS_URL (or --nats-url) and that the NATS server is running with JetStream enabled.' },
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
