// The webhook benchmark's client: closed loop, one request at a time over raw keep-alive sockets,
// timed with process.hrtime from the request's write to its whole answer. Each iteration sends a
// 16 KiB Stripe delivery with a bad signature to the bare Node body sink (the direct reference)
// and to the edge, then (when the app is hot) a correctly signed one to the edge, which forwards
// it to the app. Good deliveries are signed with the real `stripe` package's test-header helper,
// each with an event id of its own; bad ones rotate through the usual forgeries.
//
//   node bench/clients/webhook-client.mjs '{"directPort":P,"edgePort":P,"host":"h","path":"/webhooks/stripe","secret":"whsec_...","warmup":N,"samples":N,"good":true}'
//
// Prints one JSON line: { badUs, directUs, goodUs: {p50, p90, p99, max}, badNot401, directNot401, goodNot2xx, goodSent, badSent, kinds }.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import Stripe from 'stripe';

const order = JSON.parse(process.argv[2]);
const stripe = new Stripe('sk_test_bench');
const BODY_BYTES = 16 * 1024;
const runId = `${process.pid}${Date.now().toString(36)}`;

/** A Stripe event body of exactly 16 KiB. */
function eventBody(i) {
  const head = `{"id":"evt_bench_${runId}_${i}","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_${i}","metadata":{"pad":"`;
  const tail = '"}}}}';
  return Buffer.from(head + 'x'.repeat(BODY_BYTES - head.length - tail.length) + tail);
}

const sign = (body, secret, timestamp) => stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The forgeries bad deliveries rotate through: what each does to the body and its signature. */
const forgeries = [
  ['wrong secret', (body) => ({ body, signature: sign(body, `${order.secret}_wrong`, nowSeconds()) })],
  ['flipped body byte', (body) => {
    const signature = sign(body, order.secret, nowSeconds());
    const flipped = Buffer.from(body);
    flipped[BODY_BYTES - 100] ^= 1;
    return { body: flipped, signature };
  }],
  ['stale timestamp', (body) => ({ body, signature: sign(body, order.secret, nowSeconds() - 3_600) })],
  ['truncated signature', (body) => ({ body, signature: sign(body, order.secret, nowSeconds()).slice(0, -8) })],
  ['wrong scheme', (body) => ({ body, signature: sign(body, order.secret, nowSeconds()).replace('v1=', 'v0=') })],
  ['hmac of the body alone', (body) => ({ body, signature: `t=${nowSeconds()},v1=${createHmac('sha256', order.secret).update(body).digest('hex')}` })],
];

function requestBytes(body, signature) {
  const head = `POST ${order.path} HTTP/1.1\r\nHost: ${order.host}\r\nContent-Type: application/json\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n`
    + `Stripe-Signature: ${signature}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

/** One keep-alive connection; reconnects (untimed) when the server closed the last one. */
function connection(port) {
  let socket;
  let pending;
  let buffered = Buffer.alloc(0);
  const open = () => new Promise((resolve, reject) => {
    socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = buffered.toString('latin1', 0, headEnd);
      const length = completeLength(buffered, headEnd, head);
      if (length === undefined) return;
      buffered = buffered.subarray(length);
      const done = pending;
      pending = undefined;
      done?.({ status: Number(head.slice(9, 12)), close: /\r\nconnection:\s*close/i.test(head) });
    });
    socket.on('close', () => {
      socket = undefined;
      pending?.({ status: 0, close: true });
      pending = undefined;
    });
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return async (bytes) => {
    if (socket === undefined) await open();
    const answer = new Promise((resolve) => (pending = resolve));
    const started = process.hrtime.bigint();
    socket.write(bytes);
    const result = await answer;
    const us = Number(process.hrtime.bigint() - started) / 1000;
    if (result.close) socket?.destroy();
    return { ...result, us };
  };
}

/** Bytes of the whole first response (Content-Length or chunked), or undefined while incomplete. */
function completeLength(data, headEnd, head) {
  const declared = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (declared) return data.length >= headEnd + 4 + Number(declared[1]) ? headEnd + 4 + Number(declared[1]) : undefined;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = data.indexOf('\r\n0\r\n\r\n', headEnd);
    return end === -1 ? undefined : end + 7;
  }
  return headEnd + 4;
}

function summary(values) {
  const sorted = values.toSorted((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) };
}

const direct = connection(order.directPort);
const edge = connection(order.edgePort);
const badUs = [];
const directUs = [];
const goodUs = [];
const kinds = {};
let badNot401 = 0;
let directNot401 = 0;
let goodNot2xx = 0;
let goodSent = 0;
let badSent = 0;
for (let i = 0; i < order.warmup + order.samples; i++) {
  const [kind, forge] = forgeries[i % forgeries.length];
  const bad = forge(eventBody(`bad_${i}`));
  const bytes = requestBytes(bad.body, bad.signature);
  const d = await direct(bytes);
  const b = await edge(bytes);
  badSent++;
  if (b.status !== 401) badNot401++;
  if (d.status !== 401) directNot401++;
  let g;
  if (order.good) {
    const body = eventBody(`good_${i}`);
    g = await edge(requestBytes(body, sign(body, order.secret, nowSeconds())));
    goodSent++;
    if (g.status < 200 || g.status > 299) goodNot2xx++;
  }
  if (i < order.warmup) continue;
  kinds[kind] = (kinds[kind] ?? 0) + 1;
  directUs.push(d.us);
  badUs.push(b.us);
  if (g) goodUs.push(g.us);
}
console.log(JSON.stringify({
  badUs: summary(badUs), directUs: summary(directUs), goodUs: goodUs.length ? summary(goodUs) : null,
  badNot401, directNot401, goodNot2xx, goodSent, badSent, kinds,
}));
process.exit(0);
