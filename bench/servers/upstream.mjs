// The app every proxy sits in front of: a tiny `http` server answering a fixed small body.
// One process can listen on several ports, each with its own identity, so the route-table
// benchmark has several owners to move hostnames between while costing the same CPU as one.
//
//   node bench/servers/upstream.mjs u0=PORT [u1=PORT ...]
//
// Every response carries `x-upstream-id` (who answered). When the request carries
// `x-bench-sent` (the load generator's send time), the response echoes it with the Host the
// upstream received, so a response can be checked against the owner the host had at that time.
import { createServer } from 'node:http';

const body = Buffer.from('hello from the berth bench upstream\n');

function listen(id, port) {
  const server = createServer((req, res) => {
    const sent = req.headers['x-bench-sent'];
    const headers = ['content-type', 'text/plain', 'content-length', String(body.length), 'x-upstream-id', id];
    if (sent !== undefined) headers.push('x-bench-host', req.headers.host ?? '', 'x-bench-sent', String(sent));
    res.writeHead(200, headers);
    res.end(body);
  });
  // Longer than any proxy's idle timeout: the proxy, not the app, decides when a pooled
  // connection closes, so no proxy is penalised for reusing one the app just closed.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.listen(port, '127.0.0.1');
}

const pairs = process.argv.slice(2).map((arg) => arg.split('='));
if (pairs.length === 0 || pairs.some(([id, port]) => !id || !Number(port))) {
  console.error('usage: upstream.mjs ID=PORT [ID=PORT ...]');
  process.exit(2);
}
for (const [id, port] of pairs) listen(id, Number(port));
process.on('SIGTERM', () => process.exit(0));
// Parent gone (IPC closed): stop, so an orchestrator killed hard leaves nothing behind.
process.on('disconnect', () => process.exit(0));
