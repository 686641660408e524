// Time to the first byte of a 200, measured from a process of its own on the load core, so the
// orchestrator's work does not sit in the measurement.
//
//   node bench/clients/first-byte.mjs get PORT HOST PATH
//     one GET (a new connection) through the edge; prints { status, ms, sentAt }, where ms runs from
//     the request's last byte written to the response head, and sentAt is Date.now() at the send
//     (the wall clock the control plane stamps its timeline with).
//   node bench/clients/first-byte.mjs floor FOLDER PORT
//     the floor: spawns the app (`node server.js` in FOLDER, PORT in its environment) and polls
//     GET / every millisecond until the first 200; prints { status, ms } from the spawn to that
//     response head, then stops the app and waits for it to exit. The app inherits this process's
//     core and priority, as an app inherits the runner's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { join } from 'node:path';

const [mode, ...args] = process.argv.slice(2);

/** One GET on a new connection: its status and the ms from the request sent to the response head. */
function get(port, host, path) {
  return new Promise((resolve) => {
    let sent = 0;
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { host, 'user-agent': 'berth-bench' } }, (res) => {
      const ms = performance.now() - sent;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms }));
      res.on('error', () => resolve({ status: res.statusCode, ms }));
    });
    req.on('finish', () => (sent = performance.now()));
    req.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message, ms: performance.now() - sent }));
    req.end();
  });
}

if (mode === 'get') {
  const [port, host, path] = args;
  const sentAt = Date.now();
  const result = await get(Number(port), host, path ?? '/');
  console.log(JSON.stringify({ ...result, sentAt }));
} else if (mode === 'floor') {
  const [folder, port] = args;
  const started = performance.now();
  const app = spawn(process.execPath, [join(folder, 'server.js')], { cwd: folder, env: { ...process.env, PORT: port }, stdio: 'ignore' });
  const exited = once(app, 'exit');
  let result;
  for (;;) {
    const attempt = await get(Number(port), 'localhost', '/');
    if (attempt.status === 200) {
      result = { status: 200, ms: performance.now() - started };
      break;
    }
    if (app.exitCode !== null || performance.now() - started > 30_000) {
      result = { status: attempt.status, error: attempt.error ?? 'the app exited or never answered', ms: performance.now() - started };
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  app.kill('SIGTERM');
  await exited;
  console.log(JSON.stringify(result));
} else {
  console.error('usage: first-byte.mjs get PORT HOST PATH | floor FOLDER PORT');
  process.exit(2);
}
