// A closed-loop, one-request-at-a-time latency client over raw keep-alive sockets, timed with
// process.hrtime. It alternates requests between the upstream directly and the proxy under test,
// so both are measured under the same conditions and the difference of their medians is the
// latency the proxy adds.
//
//   node bench/clients/latency-client.mjs DIRECT_PORT PROXY_PORT HOST WARMUP SAMPLES
//
// Prints one JSON line: { directUs: {p50, p90, p99}, proxyUs: {p50, p90, p99}, addedP50Us }.
import { connect } from 'node:net';

const [directPort, proxyPort, host, warmup, samples] = process.argv.slice(2).map((value, i) => (i === 2 ? value : Number(value)));
const requestBytes = Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: berth-bench\r\n\r\n`);

/** One keep-alive connection and the response it is waiting for. */
function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending;
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const length = completeLength(buffered);
      if (length === undefined) return;
      const done = pending;
      pending = undefined;
      const status = buffered.toString('latin1', 9, 12);
      buffered = buffered.subarray(length);
      done?.(status);
    });
    socket.on('error', (error) => (pending ? pending(error) : reject(error)));
    socket.on('close', () => pending?.(new Error(`connection to ${port} closed`)));
    socket.once('connect', () =>
      resolve({
        socket,
        roundTrip() {
          return new Promise((done, fail) => {
            const started = process.hrtime.bigint();
            pending = (result) => {
              const elapsed = Number(process.hrtime.bigint() - started) / 1000;
              if (result instanceof Error) fail(result);
              else if (result !== '200') fail(new Error(`port ${port} answered ${result}`));
              else done(elapsed);
            };
            socket.write(requestBytes);
          });
        },
      }),
    );
  });
}

/** Bytes of the first complete response in `data` (Content-Length or chunked), or undefined. */
function completeLength(data) {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const head = data.toString('latin1', 0, headEnd).toLowerCase();
  const declared = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (declared) {
    const total = headEnd + 4 + Number(declared[1]);
    return data.length >= total ? total : undefined;
  }
  if (head.includes('transfer-encoding: chunked')) {
    const end = data.indexOf('\r\n0\r\n\r\n', headEnd);
    return end === -1 ? undefined : end + 7;
  }
  return headEnd + 4;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values) {
  const sorted = values.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

const direct = await openConnection(directPort);
const proxy = await openConnection(proxyPort);
const directTimes = [];
const proxyTimes = [];
for (let i = 0; i < warmup + samples; i++) {
  const d = await direct.roundTrip();
  const p = await proxy.roundTrip();
  if (i < warmup) continue;
  directTimes.push(d);
  proxyTimes.push(p);
}
direct.socket.destroy();
proxy.socket.destroy();
const directUs = summary(directTimes);
const proxyUs = summary(proxyTimes);
console.log(JSON.stringify({ directUs, proxyUs, addedP50Us: proxyUs.p50 - directUs.p50 }));
