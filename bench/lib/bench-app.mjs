// The app the sleep-and-wake benchmarks deploy: hello-node's shape (a Node `http` server on $PORT,
// ready when GET /healthz answers 2xx), with `[scale] min = 0` so it sleeps, and what each
// benchmark needs on top: an asset folder, a Stripe webhook, a readiness that can be told never
// to pass. It counts what it serves (GET /__bench/counts) rather than logging each request, so
// shipping its output does not compete with the measurements; an asset request is logged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const server = `// Written by bench/lib/bench-app.mjs.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
// The budget-exhaustion benchmark binds this secret for the environment: readiness then never passes.
const neverReady = process.env.BENCH_NEVER_READY === '1';
const body = Buffer.from('hello from the berth bench app\\n');
// What this process served, by method and path (without the query): GET /__bench/counts says.
const counts = {};

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(neverReady ? 503 : 200, { 'content-type': 'text/plain' }).end(neverReady ? 'never ready\\n' : 'ok\\n');
    return;
  }
  if (req.url === '/__bench/counts') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    return;
  }
  const key = \`\${req.method} \${req.url.split('?')[0]}\`;
  counts[key] = (counts[key] ?? 0) + 1;
  // An asset must never reach the app: if one does, its log says so.
  if (req.url.startsWith('/assets/')) console.log(\`request \${key}\`);
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'x-upstream-id': 'app' });
  res.end(body);
}).listen(port, '127.0.0.1', () => console.log(\`listening on \${port}\`));
`;

/**
 * Writes the app into `dir` and returns the folder.
 * @param {{ wakeBudget?: string, asset?: { name: string, bytes: Buffer }, webhookSecretName?: string, neverReadySecret?: boolean }} options
 */
export function writeBenchApp(dir, options = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.js'), server);
  writeFileSync(join(dir, 'package.json'), '{ "name": "bench-app", "private": true, "type": "module" }\n');
  const toml = [
    '[run]', 'command = "node server.js"', 'health = "/healthz"', '',
    '[scale]', 'min = 0', 'max = 1', 'sleep_after = "10m"', `wake_budget = "${options.wakeBudget ?? '10s'}"`, '',
  ];
  if (options.asset) {
    mkdirSync(join(dir, 'public'), { recursive: true });
    writeFileSync(join(dir, 'public', options.asset.name), options.asset.bytes);
    toml.push('[assets]', 'dir = "public"', 'prefix = "/assets/"', 'immutable = true', '');
  }
  if (options.webhookSecretName) {
    toml.push('[[webhooks]]', 'path = "/webhooks/stripe"', 'provider = "stripe"', `secret = "${options.webhookSecretName}"`, 'tolerance = "5m"', '');
  }
  // Only required secrets reach the app, so the budget benchmark's switch is a required one.
  if (options.neverReadySecret) toml.push('[secrets]', 'required = ["BENCH_NEVER_READY"]', '');
  writeFileSync(join(dir, 'berth.toml'), toml.join('\n'));
  return dir;
}

/** Bytes that look like a small JavaScript bundle: deterministic, not compressible to nothing. */
export function assetBytes(size) {
  const line = 'export const berthBench = (n) => n * 2 + 1; // 0123456789abcdefghijklmnopqrstuvwxyz\n';
  let text = '';
  for (let i = 0; text.length < size; i++) text += `${i.toString(36)} ${line}`;
  return Buffer.from(text.slice(0, size));
}
