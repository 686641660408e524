/**
 * A complete `berth.toml` with every key, commented, for the README to quote. A test parses it, so
 * the documented example can never drift from what Berth accepts.
 */
export const exampleManifest = `# berth.toml: how Berth builds, runs, scales and routes this app.
name = "shop"                        # DNS label; the app's name in Berth when absent

[build]
command = "npm ci && npm run build"  # no build step when absent
timeout = "15m"                      # duration: "500ms", "10s", "15m", "1h" or integer seconds
output_limit = "4MiB"                # build output kept for the log: "100KB", "4MiB" or integer bytes

[run]
command = "node server.js"           # required unless the app is assets-only
port = 8080                          # optional: by default Berth chooses one; listen on $PORT
health = "/healthz"                  # readiness path, default "/"
image = "node:20-slim"               # base image for the docker driver
memory = "512MiB"
drain_timeout = "30s"                # time to finish requests and sessions when draining

[assets]
dir = "dist/assets"                  # inside the project: no "..", not absolute
prefix = "/assets/"                  # served by the edge, never wakes the app
immutable = true

[scale]
min = 0                              # 0 lets the app sleep when idle
max = 3                              # at least max(min, 1)
sleep_after = "15m"                  # idle time before sleeping (only with min = 0)
wake_budget = "10s"                  # how long safe requests wait for a wake; at most "120s"
region = "eu"                        # only hosts of this region (a runner's --region)
labels = ["disk=ssd"]                # only hosts with these labels (a runner's --labels)

[[routes]]
path = "/api/search"
methods = ["POST"]
class = "safe"                       # a read-only POST: may be held through a wake

[[routes]]
path = "/api/orders/*"
methods = ["POST", "PUT", "PATCH", "DELETE"]
class = "unsafe"
idempotency = "required"             # held through a wake only with an Idempotency-Key

[[webhooks]]
path = "/webhooks/stripe"
provider = "stripe"
secret = "STRIPE_WEBHOOK_SECRET"     # the secret's NAME; bind its value with berth secrets
tolerance = "5m"                     # stripe only

[[webhooks]]
path = "/webhooks/github"
provider = "github"
secret = "GITHUB_WEBHOOK_SECRET"

[[webhooks]]
path = "/webhooks/shipping"
provider = "generic-hmac"
secret = "SHIPPING_WEBHOOK_SECRET"
header = "X-Shipping-Signature"      # generic-hmac only, default "X-Signature"
event_id_header = "X-Shipping-Event" # generic-hmac only: process each event once

[live]
path = "/live"                       # the WebSocket path
resumable = true                     # sessions may move to another allocation...
state_schema = "v2"                  # ...when their state schema is compatible
store = "sessions"                   # ...and saved in this durable session store

[secrets]
required = ["DATABASE_URL", "SESSION_KEY"]  # webhook secrets are required too

[database]
migrations = "db/migrations"         # folder of .sql files

[validate]
generated = "npm run codegen"        # must leave the tree unchanged
reproducible = true                  # build twice and compare digests
`;
