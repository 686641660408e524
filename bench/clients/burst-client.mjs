// Many GETs at once on a sleeping app, over raw sockets: every connection is opened first, then
// every request is written in one loop, and each is timed from its write to the first byte of its
// answer (process.hrtime). The answers are read whole (Content-Length or chunked).
//
//   node bench/clients/burst-client.mjs '{"targets":[{"port":P,"count":N}],"host":"h","path":"/"}'
//
// Prints one JSON line: { connectMs, results: [{ i, port, status, ms, retryAfter, code, error }] },
// `code` being the error code of an answer the edge gave itself (app_waking, wake_failed, ...).
//
// With `"spawn": {"folder": F, "port": P, "health": "/healthz"}` it is the stampede's floor: the app
// (`node server.js` in F, PORT=P) is started first, polled until its health path answers 200, and
// the burst goes straight to it (targets: [{ port: P, count }]); the app is stopped afterwards. It
// inherits this process's core and priority, as an app inherits the runner's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';

const order = JSON.parse(process.argv[2]);

function open(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error) => resolve(error));
  });
}

/** Bytes of the complete response at the start of `data`, or undefined while it is incomplete. */
function completeLength(data, headEnd) {
  const head = data.toString('latin1', 0, headEnd).toLowerCase();
  const declared = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (declared) return data.length >= headEnd + 4 + Number(declared[1]) ? headEnd + 4 + Number(declared[1]) : undefined;
  if (head.includes('transfer-encoding: chunked')) {
    const end = data.indexOf('\r\n0\r\n\r\n', headEnd);
    return end === -1 ? undefined : end + 7;
  }
  return headEnd + 4;
}

function exchange(i, port, socket, request) {
  return new Promise((resolve) => {
    if (socket instanceof Error) return resolve({ i, port, status: 0, ms: 0, retryAfter: null, error: socket.code ?? socket.message });
    let sent = 0n;
    let firstByte = 0n;
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ i, port, ms: Number((firstByte || process.hrtime.bigint()) - sent) / 1e6, ...result });
    };
    socket.on('data', (chunk) => {
      if (firstByte === 0n) firstByte = process.hrtime.bigint();
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd === -1 || completeLength(data, headEnd) === undefined) return;
      const head = data.toString('latin1', 0, headEnd);
      const retryAfter = /\r\nretry-after:\s*([^\r]*)/i.exec(head)?.[1] ?? null;
      // The edge's own answers carry the error code of core's catalog in a JSON body.
      const code = /"code"\s*:\s*"([a-z_]+)"/.exec(data.toString('utf8', headEnd + 4, Math.min(data.length, headEnd + 4 + 4096)))?.[1] ?? null;
      finish({ status: Number(head.slice(9, 12)), retryAfter, code, error: null });
    });
    socket.on('error', (error) => finish({ status: 0, retryAfter: null, error: error.code ?? error.message }));
    socket.on('close', () => finish({ status: 0, retryAfter: null, error: 'closed before a whole answer' }));
    sent = process.hrtime.bigint();
    socket.write(request);
  });
}

/** Starts the app and waits until its health path answers 200. */
async function startApp({ folder, port, health }) {
  const app = spawn(process.execPath, [join(folder, 'server.js')], { cwd: folder, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  for (;;) {
    const status = await new Promise((resolve) => {
      request({ host: '127.0.0.1', port, path: health ?? '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      }).on('error', () => resolve(0)).end();
    });
    if (status === 200) return app;
    if (app.exitCode !== null) throw new Error(`the app exited (${app.exitCode}) before it was ready`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const app = order.spawn ? await startApp(order.spawn) : undefined;
const started = performance.now();
const planned = order.targets.flatMap(({ port, count }) => Array.from({ length: count }, () => port));
const sockets = await Promise.all(planned.map((port) => open(port)));
const connectMs = performance.now() - started;
const results = await Promise.all(planned.map((port, i) => {
  const request = Buffer.from(`GET ${order.path}?n=${i} HTTP/1.1\r\nHost: ${order.host}\r\nAccept: application/json\r\nUser-Agent: berth-bench\r\nConnection: close\r\n\r\n`);
  return exchange(i, port, sockets[i], request);
}));
if (app) {
  app.kill('SIGKILL');
  if (app.exitCode === null && app.signalCode === null) await once(app, 'exit');
}
console.log(JSON.stringify({ connectMs, results }));
