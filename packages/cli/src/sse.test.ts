import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { followEventStream, readEventStream, type SseMessage } from './sse.js';

function bodyOf(text: string, chunkSize = 3): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      // Small chunks split lines and fields, as a real network does.
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
      controller.close();
    },
  });
}

describe('Server-Sent Events', () => {
  test('reads events, ids, multi-line data and CRLF; skips comments', async () => {
    const text = ': hello\n\nid: 1\nevent: operation-event\ndata: {"seq":1}\n\n: heartbeat\n\nevent: state\r\ndata: a\r\ndata: b\r\n\r\nevent: end\ndata:\n\n';
    const messages: SseMessage[] = [];
    for await (const message of readEventStream(bodyOf(text))) messages.push(message);
    assert.deepEqual(messages, [
      { event: 'operation-event', data: '{"seq":1}', id: '1' },
      { event: 'state', data: 'a\nb', id: undefined },
      { event: 'end', data: '', id: undefined },
    ]);
  });

  describe('following a stream that drops', () => {
    let server: Server;
    let url: string;
    const requests: Array<string | undefined> = [];
    before(async () => {
      server = createServer((req, res) => {
        const last = req.headers['last-event-id'] as string | undefined;
        requests.push(last);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (last === undefined) {
          res.write('id: 1\nevent: operation-event\ndata: one\n\nid: 2\nevent: operation-event\ndata: two\n\n');
          // The connection drops mid-stream, without an `end` event.
          setTimeout(() => res.socket?.destroy(), 20);
        } else {
          res.end(`id: ${Number(last) + 1}\nevent: operation-event\ndata: three\n\nevent: end\ndata: {}\n\n`);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`;
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    test('reconnects with Last-Event-ID and misses nothing', async () => {
      const seen: string[] = [];
      const reconnects: Array<string | undefined> = [];
      const signal = new AbortController().signal;
      await followEventStream({
        signal,
        retryDelayMs: 10,
        open: (lastEventId) => fetch(url, { headers: lastEventId ? { 'last-event-id': lastEventId } : {}, signal }),
        onReconnect: (lastEventId) => reconnects.push(lastEventId),
        onMessage: (message) => {
          seen.push(`${message.event}:${message.data}`);
          return message.event === 'end' ? 'stop' : undefined;
        },
      });
      assert.deepEqual(seen, ['operation-event:one', 'operation-event:two', 'operation-event:three', 'end:{}']);
      assert.deepEqual(reconnects, ['2']);
      assert.deepEqual(requests, [undefined, '2']);
    });
  });
});
