import type { EdgeReport } from '../link/control-plane-link.js';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { RouteSigningKey, SignedDocument } from '@berth/core';
import type { AssetManifestEntry } from '../assets/asset-manifest.js';
import { answerTraffic, newTrafficStandIn, type TrafficStandIn } from './traffic-stand-in.js';

/**
 * A small HTTP server standing in for the control plane's edge endpoints, serving documents a test
 * signs with its own key. It records what the edge asks and reports; tests assert the edge's
 * behaviour (which backend answers, what it reports), never this stand-in's own answers.
 *
 * Event stream: `append(seq, document)` adds to the log and pushes to open streams; a stream
 * opened with `after=N` first gets every logged event above N. A test makes a hole by appending
 * seq 4 after seq 2.
 */
export interface ControlPlaneStandIn {
  readonly url: string;
  readonly key: RouteSigningKey;
  /** The snapshot the next fetch gets. */
  snapshot: SignedDocument;
  /** While set, snapshot fetches wait for it (a test holds the edge in its gap to look at it)... */
  snapshotGate: Promise<void> | undefined;
  /** ...from this fetch on (1 unless told): 2 lets the first fetch through and holds the refetch. */
  gateFromFetch: number;
  readonly log: { seq: number; document: SignedDocument }[];
  readonly reports: EdgeReport[];
  readonly registrations: Record<string, unknown>[];
  readonly eventRequests: string[];
  snapshotFetches: number;
  refreshes: number;
  /** Asset manifests by artifact digest and file bytes by `<digest> <url path>`. */
  readonly manifests: Map<string, AssetManifestEntry[]>;
  readonly files: Map<string, Buffer>;
  readonly assetRequests: string[];
  /** Sleep and wake: wake requests, activity reports and webhook secrets (traffic-stand-in.ts). */
  readonly traffic: TrafficStandIn;
  append(seq: number, document: SignedDocument): void;
  /** Cuts open event streams (the edge reconnects with after=<applied>). */
  dropStreams(): void;
  close(): Promise<void>;
}

export async function startControlPlaneStandIn(key: RouteSigningKey, snapshot: SignedDocument, options: { port?: number; tokenLifetimeMs?: number } = {}): Promise<ControlPlaneStandIn> {
  const streams = new Set<ServerResponse>();
  let tokens = 0;
  const validTokens = new Set<string>();
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': heartbeat\n\n');
  }, 1_000);
  const standIn: ControlPlaneStandIn = {
    url: '',
    key,
    snapshot,
    snapshotGate: undefined,
    gateFromFetch: 1,
    log: [],
    reports: [],
    registrations: [],
    eventRequests: [],
    snapshotFetches: 0,
    refreshes: 0,
    manifests: new Map(),
    files: new Map(),
    assetRequests: [],
    traffic: newTrafficStandIn(),
    append(seq, document) {
      standIn.log.push({ seq, document });
      for (const stream of streams) stream.write(frame(seq, document));
    },
    dropStreams() {
      for (const stream of streams) stream.destroy();
      streams.clear();
    },
    async close() {
      clearInterval(heartbeat);
      standIn.dropStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const issue = () => {
    const token = `edge_token_${++tokens}`;
    validTokens.add(token);
    return { token, expiresAt: new Date(Date.now() + (options.tokenLifetimeMs ?? 3_600_000)).toISOString() };
  };
  const authorized = (req: IncomingMessage) => validTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''));

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'POST' && url.pathname === '/api/edges/register') {
      const registration = JSON.parse(body) as Record<string, unknown>;
      standIn.registrations.push(registration);
      if (registration['joinToken'] !== 'join_ok') return json(401, { error: { code: 'unauthenticated', message: 'The join token is not valid.', suggestion: 'Create a new one.' } });
      return json(200, { edgeId: 'edge_1', routePublicKey: key.publicKeyText, ...issue() });
    }
    if (!authorized(req)) return json(401, { error: { code: 'unauthenticated', message: 'No valid edge token.', suggestion: 'Register again.' } });
    if (req.method === 'POST' && url.pathname === '/api/edges/refresh') {
      standIn.refreshes += 1;
      return json(200, { edgeId: 'edge_1', ...issue() });
    }
    if (url.pathname === '/api/edges/route-snapshot') {
      standIn.snapshotFetches += 1;
      if (standIn.snapshotFetches >= standIn.gateFromFetch) await standIn.snapshotGate;
      return json(200, standIn.snapshot);
    }
    if (url.pathname === '/api/edges/report') {
      standIn.reports.push(JSON.parse(body) as EdgeReport);
      return json(200, { ok: true });
    }
    if (url.pathname === '/api/edges/route-events') {
      standIn.eventRequests.push(url.search);
      const after = Number(url.searchParams.get('after'));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      for (const { seq, document } of standIn.log) if (seq > after) res.write(frame(seq, document));
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (await answerTraffic(standIn.traffic, req, url, body, json)) return;
    const asset = /^\/api\/edges\/artifacts\/([^/]+)\/(asset-manifest|assets\/(.*))$/.exec(url.pathname);
    if (asset) {
      const digest = decodeURIComponent(asset[1]!);
      standIn.assetRequests.push(`${digest} ${asset[2] === 'asset-manifest' ? 'manifest' : `/${decodeURIComponent(asset[3]!)}`}`);
      if (asset[2] === 'asset-manifest') {
        const manifest = standIn.manifests.get(digest);
        return manifest ? json(200, manifest) : json(404, { error: { code: 'artifact_not_found', message: 'No such artifact.', suggestion: '' } });
      }
      const bytes = standIn.files.get(`${digest} /${decodeURIComponent(asset[3]!)}`);
      if (!bytes) return json(404, { error: { code: 'not_found', message: 'No such asset.', suggestion: '' } });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
      res.end(bytes);
      return;
    }
    json(404, { error: { code: 'route_not_found', message: 'No such endpoint.', suggestion: '' } });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  (standIn as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

function frame(seq: number, document: SignedDocument): string {
  return `id: ${seq}\ndata: ${JSON.stringify(document)}\n\n`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}
