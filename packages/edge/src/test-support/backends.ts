import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Route, Target } from '../route-table.js';

/** What a backend saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Set when the connection closed before the request body completed or before the answer was sent. */
  aborted: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for one allocation. It says who it is in every
 * answer (`backend` in JSON, the `X-Backend` header) and records every request it sees, so a test
 * can prove which allocation served what and that another one was never called.
 *
 * Paths: `/hold` waits for `release()` before answering; `/hang` never answers; `/download?bytes=N`
 * sends 64 KiB, waits for `release()`, then the rest; `/cookies` answers with hop-by-hop headers
 * the edge must drop. Any other path consumes the body and answers with its size and sha256 (status
 * 200, or the one an `X-Test-Status` header asks for).
 */
export interface Backend {
  readonly name: string;
  readonly port: number;
  /** The underlying server, for a test that attaches more to it (a WebSocket endpoint). */
  readonly server: Server;
  readonly seen: SeenRequest[];
  /** Body bytes received so far across requests, counted as they arrive. */
  bodyBytes: number;
  target(allocationId?: string): Target;
  count(method?: string): number;
  release(): void;
  close(): Promise<void>;
}

export async function startBackend(name: string): Promise<Backend> {
  let releases: (() => void)[] = [];
  const backend: Backend = {
    name,
    port: 0,
    get server() {
      return server;
    },
    seen: [],
    bodyBytes: 0,
    target: (allocationId = `alloc_${name}`) => ({ allocationId, host: '127.0.0.1', port: backend.port }),
    count: (method) => backend.seen.filter((seen) => method === undefined || seen.method === method).length,
    release: () => {
      const waiting = releases;
      releases = [];
      for (const release of waiting) release();
    },
    close: async () => {
      backend.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const held = () => new Promise<void>((resolve) => releases.push(resolve));

  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, aborted: false };
    backend.seen.push(seen);
    req.on('close', () => {
      if (!req.complete) seen.aborted = true;
    });
    res.on('close', () => {
      if (!res.writableFinished) seen.aborted = true;
    });
    void answer(backend, req, res, held).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (backend as { port: number }).port = (server.address() as AddressInfo).port;
  return backend;
}

async function answer(backend: Backend, req: IncomingMessage, res: ServerResponse, held: () => Promise<void>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://backend');
  res.setHeader('X-Backend', backend.name);
  if (url.pathname === '/hang') return;
  if (url.pathname === '/hold') await held();
  if (url.pathname === '/download') {
    const total = Number(url.searchParams.get('bytes'));
    const first = Buffer.alloc(64 * 1024, 1);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    res.write(first);
    await held();
    const chunk = Buffer.alloc(64 * 1024, 2);
    for (let sent = first.length; sent < total; sent += chunk.length) {
      if (!res.write(chunk.subarray(0, Math.min(chunk.length, total - sent)))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
    return;
  }
  if (url.pathname === '/cookies') {
    // setHeader, not a raw list: writeHead merges a list into headers already set, one value per name.
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('Connection', 'keep-alive, X-Hop');
    res.setHeader('X-Hop', 'secret');
    res.setHeader('Content-Type', 'text/plain');
    res.writeHead(200);
    res.end('cookies');
    return;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    backend.bodyBytes += chunk.length;
    hash.update(chunk);
  }
  const body = JSON.stringify({ backend: backend.name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bytes, sha256: hash.digest('hex') });
  // `X-Test-Status: 500` makes the app answer 500 (a webhook it failed to process).
  res.writeHead(Number(req.headers['x-test-status'] ?? 200), { 'content-type': 'application/json' });
  res.end(body);
}

/** A port on 127.0.0.1 that nothing listens on: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A route of `deploymentId` at `hostname` served by the given backends (epoch 1 unless told). */
export function routeTo(hostname: string, deploymentId: string, targets: Target[], epoch = 1): Route {
  return { hostname, epoch, deploymentId, environmentId: `env_${deploymentId}`, targets };
}
