import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { startEdge, type RunningEdge } from './test-support/client.js';

const MiB = 1024 * 1024;
let backend: Backend;
let edge: RunningEdge;

before(async () => {
  backend = await startBackend('s1');
  const table = new RouteTable();
  table.replace([routeTo('stream.test', 'dep_s', [backend.target()])]);
  edge = await startEdge({ table });
});
after(async () => {
  await edge.close(0);
  await backend.close();
});

function open(method: string, path: string, headers: Record<string, string>): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const req = request({ host: '127.0.0.1', port: edge.port, method, path, agent: false, headers: { host: 'stream.test', ...headers } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  return { req, response };
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// Each upload sends half its body, then waits until the backend has received bytes of it: an edge
// that buffered the body until the client finished would never get there, and the test times out.
for (const framing of ['content-length', 'chunked'] as const) {
  test(`a 5 MiB upload (${framing}) streams through: the backend reads it before the client finishes`, async () => {
    const body = Buffer.alloc(5 * MiB);
    for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
    const startBytes = backend.bodyBytes;
    const { req, response } = open('POST', '/upload', framing === 'content-length' ? { 'content-length': String(body.length) } : { 'transfer-encoding': 'chunked' });
    const half = body.length / 2;
    for (let at = 0; at < half; at += MiB / 2) req.write(body.subarray(at, at + MiB / 2));
    await eventually(() => backend.bodyBytes - startBytes >= MiB, { message: 'the backend received the first MiB while the upload was still open' });
    assert.equal(req.writableEnded, false);
    for (let at = half; at < body.length; at += MiB / 2) req.write(body.subarray(at, at + MiB / 2));
    req.end();
    const res = await response;
    const answer = JSON.parse((await readAll(res)).toString()) as { bytes: number; sha256: string };
    assert.equal(res.statusCode, 200);
    assert.equal(answer.bytes, body.length);
    assert.equal(answer.sha256, createHash('sha256').update(body).digest('hex'), 'every byte arrived, in order');
  });
}

test('a 5 MiB download streams through: the client reads the first bytes while the backend still holds the rest', async () => {
  const { req, response } = open('GET', `/download?bytes=${5 * MiB}`, {});
  req.end();
  const res = await response;
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(5 * MiB));
  let received = 0;
  res.on('data', (chunk: Buffer) => (received += chunk.length));
  await eventually(() => received >= 64 * 1024, { message: 'the first 64 KiB reached the client before the backend sent the rest' });
  backend.release();
  await new Promise((resolve) => res.on('end', resolve));
  assert.equal(received, 5 * MiB);
});
