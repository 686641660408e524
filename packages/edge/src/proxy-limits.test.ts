import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { sendRaw, startEdge, type RunningEdge } from './test-support/client.js';

const MiB = 1024 * 1024;
let backend: Backend;
let edge: RunningEdge;
let slowEdge: RunningEdge;
let stallEdge: RunningEdge;
const table = new RouteTable();

before(async () => {
  backend = await startBackend('l1');
  table.replace([routeTo('lim.test', 'dep_l', [backend.target()])]);
  edge = await startEdge({ table, maxBodyBytes: MiB });
  slowEdge = await startEdge({ table, headerTimeoutMs: 2_000 });
  stallEdge = await startEdge({ table, bodyTimeoutMs: 500 });
});
after(async () => {
  await Promise.all([edge.close(0), slowEdge.close(0), stallEdge.close(0)]);
  await backend.close();
});

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);

test('a declared Content-Length over the limit gets 413 before any body byte is sent, and no upstream call', async () => {
  const before = backend.count();
  // Headers only: the edge must answer without waiting for (or reading) the body.
  const raw = await sendRaw(edge.port, `POST /upload HTTP/1.1\r\nHost: lim.test\r\nContent-Length: ${2 * MiB}\r\n\r\n`);
  assert.equal(statusOf(raw), 413);
  assert.match(raw, /X-Berth-Edge: 1/);
  assert.match(raw, /Connection: close/i);
  assert.match(raw, /"body_too_large"/);
  const continued = await sendRaw(edge.port, `PUT /upload HTTP/1.1\r\nHost: lim.test\r\nExpect: 100-continue\r\nContent-Length: ${2 * MiB}\r\n\r\n`);
  assert.equal(statusOf(continued), 413, 'an Expect: 100-continue client is refused without a 100 Continue');
  assert.equal(backend.count(), before);
});

test('an Expect: 100-continue upload under the limit is told to continue and reaches the app once', async () => {
  const before = backend.count();
  const body = Buffer.alloc(100_000, 3);
  const answer = await new Promise<{ status: number; bytes: number; expect: unknown }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: edge.port, method: 'PUT', path: '/upload', agent: false, headers: { host: 'lim.test', expect: '100-continue', 'content-length': String(body.length) } });
    req.on('continue', () => req.end(body));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += String(chunk)));
      res.on('end', () => {
        const parsed = JSON.parse(text) as { bytes: number; headers: Record<string, unknown> };
        resolve({ status: res.statusCode ?? 0, bytes: parsed.bytes, expect: parsed.headers.expect });
      });
    });
    req.on('error', reject);
  });
  assert.deepEqual(answer, { status: 200, bytes: body.length, expect: undefined });
  assert.equal(backend.count(), before + 1);
});

test('a chunked body that grows past the limit is cut off with 413 and the upstream request is aborted', async () => {
  const before = backend.count();
  const req = request({ host: '127.0.0.1', port: edge.port, method: 'POST', path: '/upload', agent: false, headers: { host: 'lim.test', 'transfer-encoding': 'chunked' } });
  req.on('error', () => {}); // The edge closes the connection while the client may still be writing.
  const response = new Promise<number>((resolve) => req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); }));
  const chunk = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  const writer = setInterval(() => {
    if (sent < 3 * MiB && !req.destroyed) {
      req.write(chunk);
      sent += chunk.length;
    }
  }, 1);
  try {
    assert.equal(await response, 413);
  } finally {
    clearInterval(writer);
    req.destroy();
  }
  // The backend may have seen the request start (bodies stream), but never its end.
  await eventually(() => backend.seen.slice(before).every((seen) => seen.aborted), { message: 'the upstream request was aborted' });
  assert.ok(edge.logs.some((entry) => entry.status === 413 && entry.error === 'BERTH_BODY_TOO_LARGE'));
});

test('Content-Length together with Transfer-Encoding gets 400 from the parser, and no upstream call', async () => {
  const before = backend.count();
  const raw = await sendRaw(edge.port, 'POST /smuggle HTTP/1.1\r\nHost: lim.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: lim.test\r\n\r\n');
  assert.equal(statusOf(raw), 400);
  assert.match(raw, /X-Berth-Edge: 1/);
  assert.equal(raw.match(/HTTP\/1\.1/g)?.length, 1, 'the smuggled second request is never answered');
  assert.equal(backend.count(), before);
});

test('a malformed chunk gets 400, and the upstream call started for its headers is stopped before it is sent', async () => {
  const before = backend.count();
  const raw = await sendRaw(edge.port, 'POST /chunks HTTP/1.1\r\nHost: lim.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nworld\r\n0\r\n\r\n');
  assert.equal(statusOf(raw), 400);
  assert.match(raw, /X-Berth-Edge: 1/);
  // Give a request that slipped out time to arrive before declaring that none did.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(backend.count(), before);
  assert.ok(edge.logs.some((entry) => entry.event === 'client_error' && entry.error === 'HPE_INVALID_CHUNK_SIZE'));
});

test('headers larger than maxHeaderBytes get 431', async () => {
  const raw = await sendRaw(edge.port, `GET / HTTP/1.1\r\nHost: lim.test\r\nCookie: ${'x'.repeat(20_000)}\r\n\r\n`);
  assert.equal(statusOf(raw), 431);
});

test('a client sending its headers one byte per second is cut off at the header timeout', async () => {
  const before = backend.count();
  const started = Date.now();
  const socket = connect(slowEdge.port, '127.0.0.1');
  const head = 'GET / HTTP/1.1\r\nHost: lim.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n';
  let index = 0;
  const dribble = setInterval(() => {
    if (index < head.length && socket.writable) socket.write(head[index++]!);
  }, 1_000);
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += String(chunk)));
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
  });
  clearInterval(dribble);
  const elapsed = Date.now() - started;
  assert.equal(statusOf(answer), 408);
  assert.ok(index < head.length, 'cut off before the headers were complete');
  assert.ok(elapsed >= 1_900 && elapsed < 4_500, `cut off after ${elapsed} ms against a 2000 ms limit`);
  assert.equal(backend.count(), before);
});

test('a client that stops sending its body mid-way gets 408 after the body timeout, and the upstream request is aborted', async () => {
  for (const framing of ['Content-Length: 1000', 'Transfer-Encoding: chunked']) {
    const before = backend.count();
    const started = Date.now();
    const socket = connect(stallEdge.port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += String(chunk)));
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    });
    const firstBytes = framing.startsWith('Content') ? 'x'.repeat(10) : '5\r\nhello\r\n';
    socket.write(`POST /upload HTTP/1.1\r\nHost: lim.test\r\n${framing}\r\n\r\n${firstBytes}`);
    const raw = await answer;
    const elapsed = Date.now() - started;
    assert.equal(statusOf(raw), 408, framing);
    assert.match(raw, /"request_timeout"/);
    assert.ok(elapsed >= 450 && elapsed < 5_000, `cut off after ${elapsed} ms against a 500 ms body timeout`);
    // The body streamed upstream as it came, so the backend saw the request start, but never its end.
    await eventually(() => backend.seen.slice(before).every((seen) => seen.aborted), { message: 'the upstream request was aborted' });
  }
});

test('a body that keeps arriving, however slowly in total, is not cut by the body timeout', async () => {
  const body = Buffer.alloc(6 * 1024, 1);
  const reply = await new Promise<{ status: number; bytes: number }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: stallEdge.port, method: 'POST', path: '/upload', agent: false, headers: { host: 'lim.test', 'content-length': String(body.length) } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: (JSON.parse(text) as { bytes: number }).bytes }));
    });
    req.on('error', reject);
    let sent = 0;
    const drip = setInterval(() => {
      req.write(body.subarray(sent, sent + 1024));
      sent += 1024;
      if (sent >= body.length) {
        clearInterval(drip);
        req.end();
      }
    }, 200);
  });
  assert.deepEqual(reply, { status: 200, bytes: body.length }, 'six writes 200 ms apart outlast 500 ms in total, never in silence');
});
