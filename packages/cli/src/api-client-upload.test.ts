import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createApiClient } from './api-client.js';

/** Reads a request body whole and answers with its sha256, the way the API names an upload. */
async function digestOf(req: IncomingMessage): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of req) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('uploads', () => {
  test('a file is streamed with its length declared; a dropped connection is retried once with the same key', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const seen: Array<{ key: string | undefined; length: string | undefined; type: string | undefined }> = [];
    const server = createServer(async (req, res) => {
      seen.push({ key: req.headers['idempotency-key'] as string | undefined, length: req.headers['content-length'], type: req.headers['content-type'] });
      // The first attempt loses its connection half way, as a flaky network would.
      if (seen.length === 1) {
        req.once('data', () => req.socket.destroy());
        return;
      }
      const digest = await digestOf(req);
      res.writeHead(seen.length === 2 ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ digest }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = createApiClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', fetch: globalThis.fetch, signal: new AbortController().signal, userAgent: 'test' });
      let opened = 0;
      const file = {
        open: () => {
          opened++;
          return new Blob([body]).stream();
        },
        size: body.length,
        contentType: 'application/x-tar',
      };
      const answer = await client.upload<{ digest: string }>('/api/apps/a/deployments', file, { idempotencyKey: 'cli-deploy-1' });
      assert.equal(answer.digest, createHash('sha256').update(body).digest('hex'), 'the retry sent the whole file again');
      assert.equal(opened, 2, 'each attempt reads the file from its start');
      assert.deepEqual(seen, [
        { key: 'cli-deploy-1', length: String(body.length), type: 'application/x-tar' },
        { key: 'cli-deploy-1', length: String(body.length), type: 'application/x-tar' },
      ]);
    } finally {
      server.close();
    }
  });
});
