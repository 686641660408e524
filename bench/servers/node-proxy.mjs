// The bare Node.js reverse proxy the edge must at least match: http.request + pipe over a
// keep-alive agent, with nothing else (no routing, no header policy, no limits).
//
//   node bench/servers/node-proxy.mjs PORT UPSTREAM_PORT
import { Agent, createServer, request } from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
if (!port || !upstreamPort) {
  console.error('usage: node-proxy.mjs PORT UPSTREAM_PORT');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

createServer((req, res) => {
  const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (response) => {
    res.writeHead(response.statusCode ?? 502, response.headers);
    response.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
// Parent gone (IPC closed): stop, so an orchestrator killed hard leaves nothing behind.
process.on('disconnect', () => process.exit(0));
