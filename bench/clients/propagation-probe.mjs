// The propagation benchmark's probe: a GET through the edge every millisecond (open loop: a
// request is sent on schedule whether or not the previous one came back, over a small keep-alive
// pool), recording for each its send and receive times on CLOCK_MONOTONIC (process.hrtime, the
// clock the control plane stamps its commits with) and which upstream answered (x-upstream-id).
//
//   node bench/clients/propagation-probe.mjs '{"port":P,"host":"h","durationMs":D,"intervalMs":1,"out":"FILE"}'
//
// Writes to `out` one line per request, "sentUs recvUs owner status [error]", and prints a JSON
// summary.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const order = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const lines = [];
let inFlight = 0;
let errors = 0;

function probe() {
  const sentUs = nowUs();
  inFlight++;
  const req = request({ host: '127.0.0.1', port: order.port, path: '/', agent, headers: { host: order.host } }, (res) => {
    const recvUs = nowUs();
    lines.push(`${sentUs} ${recvUs} ${res.headers['x-upstream-id'] ?? '-'} ${res.statusCode}`);
    res.resume();
    res.on('end', () => inFlight--);
  });
  req.on('error', (error) => {
    errors++;
    inFlight--;
    lines.push(`${sentUs} ${nowUs()} - 0 ${error.code ?? error.message.replaceAll(' ', '_')}`);
  });
  req.end();
}

// Sends on a fixed schedule: the next send time advances by intervalMs whatever the timers did,
// and a late timer sends what it owes at once, so the rate is one per interval on average.
const startedUs = nowUs();
const intervalUs = order.intervalMs * 1000;
let sent = 0;
await new Promise((resolve) => {
  const tick = () => {
    const elapsedUs = nowUs() - startedUs;
    while (sent * intervalUs <= elapsedUs && sent * intervalUs < order.durationMs * 1000) {
      probe();
      sent++;
    }
    if (sent * intervalUs >= order.durationMs * 1000) return resolve();
    setTimeout(tick, Math.max(0, (sent * intervalUs - (nowUs() - startedUs)) / 1000));
  };
  tick();
});
while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
writeFileSync(order.out, `${lines.join('\n')}\n`);
agent.destroy();
console.log(JSON.stringify({ sent, answered: lines.length, errors }));
