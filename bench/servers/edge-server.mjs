// Berth's edge in a process of its own, so it gets a core to itself during a benchmark.
//
//   node bench/servers/edge-server.mjs PORT ROUTES_JSON
//
// ROUTES_JSON is a file holding the route table (an array of routes as `RouteTable.replace`
// takes them). Started with an IPC channel, it also takes route changes while it serves:
//   { type: 'churn', changes: Route[], durationMs }  applies the routes with `table.update`,
//     spread evenly over durationMs, and answers { type: 'churn-started' } at once, then
//     { type: 'churn-applied', timeline } once all are applied. Each timeline entry is
//     { hostname, epoch, beforeUs, afterUs }: the monotonic clock (CLOCK_MONOTONIC, the clock
//     the load generator stamps requests with) just before and just after the update, so a
//     checker knows which owner a request sent at a given time may have been answered by.
import { readFileSync } from 'node:fs';
import { createEdgeServer, RouteTable } from '@berth/edge';

const [port, routesFile] = [Number(process.argv[2]), process.argv[3]];
if (!port || !routesFile) {
  console.error('usage: edge-server.mjs PORT ROUTES_JSON');
  process.exit(2);
}

const table = new RouteTable();
table.replace(JSON.parse(readFileSync(routesFile, 'utf8')));
const edge = createEdgeServer({ table });
edge.server.listen(port, '127.0.0.1');

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function churn(changes, durationMs) {
  const timeline = [];
  const start = performance.now();
  const applyNext = () => {
    const change = changes[timeline.length];
    const beforeUs = monotonicUs();
    table.update(change);
    timeline.push({ hostname: change.hostname, epoch: change.epoch, beforeUs, afterUs: monotonicUs() });
    if (timeline.length === changes.length) {
      process.send({ type: 'churn-applied', timeline });
      return;
    }
    // Evenly spread: change i is due at (i + 0.5) / n of the duration.
    const due = ((timeline.length + 0.5) / changes.length) * durationMs;
    setTimeout(applyNext, Math.max(0, due - (performance.now() - start)));
  };
  process.send({ type: 'churn-started' });
  if (changes.length === 0) process.send({ type: 'churn-applied', timeline });
  else setTimeout(applyNext, (0.5 / changes.length) * durationMs);
}

process.on('message', (message) => {
  if (message?.type === 'churn') churn(message.changes, message.durationMs);
});
// Parent gone (IPC closed): stop, so an orchestrator killed hard leaves no edge behind.
process.on('disconnect', () => process.exit(0));
// process.exit (not a bare kill) lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => {
  void edge.close(200).finally(() => process.exit(0));
});
