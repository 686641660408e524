import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyExample } from '@berth/control-plane/testing';

/**
 * The app the request-trace scenarios deploy: a copy of examples/hello-node whose server counts
 * what reaches it. Every HTTP request it answers is one output line `request <method> <url>
 * <idempotency key or -> <body id or ->`, read back through GET /api/apps/:app/logs, so a test
 * counts on the app's side what the edge forwarded. It answers with who it is (its allocation and
 * deployment ids) and, for a WebSocket upgrade (a tiny RFC 6455 handshake, no dependency), sends
 * one text frame saying which allocation accepted the session and which `Berth-Session-Resume` and
 * `Berth-Session-Id` it was given. Its health path fails while the secret HEALTH_MODE is "broken".
 */
const server = String.raw`// hello-node, counting what reaches it (written by the request-trace scenarios).
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

const port = Number(process.env.PORT ?? 3000);
const self = { allocation: process.env.BERTH_ALLOCATION_ID ?? 'local', deployment: process.env.BERTH_DEPLOYMENT_ID ?? 'local' };

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    if (process.env.HEALTH_MODE === 'broken') {
      console.log('health: not ready (HEALTH_MODE is broken)');
      res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let bodyId = '-';
    try { bodyId = JSON.parse(body).id ?? '-'; } catch {}
    console.log('request ' + req.method + ' ' + req.url + ' ' + (req.headers['idempotency-key'] ?? '-') + ' ' + bodyId);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...self, method: req.method, url: req.url, bytes: body.length }));
  });
});

server.on('upgrade', (req, socket) => {
  socket.on('error', () => {});
  const resume = req.headers['berth-session-resume'] ?? null;
  console.log('upgrade ' + req.url + ' ' + (resume ?? 'pinned'));
  const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  const payload = Buffer.from(JSON.stringify({ ...self, resume, session: req.headers['berth-session-id'] ?? null }));
  const head = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 255]);
  socket.write(Buffer.concat([head, payload]));
  // A close frame from the client (opcode 8) is answered with one, then the socket ends.
  socket.on('data', (frame) => {
    if ((frame[0] & 0x0f) === 8) socket.end(Buffer.from([0x88, 0]));
  });
});

server.listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`;

/**
 * A scratch copy of the counting app with `berthToml` as its manifest, a stylesheet under public/,
 * and a VERSION file (so two versions are two artifacts with two digests).
 */
export async function countingApp(berthToml: string, version = 'v1'): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await copyExample('hello-node');
  writeFileSync(join(dir.path, 'server.js'), server);
  writeFileSync(join(dir.path, 'berth.toml'), berthToml);
  writeFileSync(join(dir.path, 'VERSION'), `${version}\n`);
  mkdirSync(join(dir.path, 'public'));
  writeFileSync(join(dir.path, 'public', 'app.css'), 'body { color: teal }\n'.repeat(50));
  return dir;
}

/** A berth.toml for the counting app: its run section, assets under /assets/, and `extra` (scale, routes, webhooks, live, secrets). */
export function countingManifest(extra: string): string {
  return ['[run]', 'command = "node server.js"', 'health = "/healthz"', 'drain_timeout = "2s"', '', '[assets]', 'dir = "public"', 'prefix = "/assets/"', '', extra, ''].join('\n');
}
