import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteFeed } from '../route-feed/route-feed.js';

const heartbeatMs = 15_000;
// An edge that stops reading is cut off rather than buffered without bound; it resumes from the
// last id it applied (or goes back to a snapshot).
const maxBufferedBytes = 16 * 1024 * 1024;

/**
 * The embedded transport of the route feed: Server-Sent Events, one event per signed route event
 * (`id: <seq>`, `data: <SignedDocument JSON>`), the backlog after `afterSeq` first and then live
 * events, with a comment line every 15 s so idle proxies keep the stream open. It ends when the
 * client goes away or the server closes.
 */
export async function streamRouteEvents(feed: RouteFeed, request: FastifyRequest, reply: FastifyReply, afterSeq: number, closing: AbortSignal | undefined): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': String(request.id) });
  res.write('retry: 1000\n\n');
  // Events are small and must leave at once: no Nagle delay on this socket.
  request.raw.socket?.setNoDelay(true);
  await new Promise<void>((resolve) => {
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(heartbeat);
      closing?.removeEventListener('abort', stop);
      res.end();
      resolve();
    };
    const unsubscribe = feed.subscribe(afterSeq, (document, seq) => {
      if (done) return;
      res.write(`id: ${seq}\ndata: ${JSON.stringify(document)}\n\n`);
      if (res.writableLength > maxBufferedBytes) stop();
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    request.raw.on('close', stop);
    res.on('close', stop);
    res.on('error', stop);
    closing?.addEventListener('abort', stop, { once: true });
    if (closing?.aborted) stop();
  });
}
