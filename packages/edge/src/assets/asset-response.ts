import { createReadStream } from 'node:fs';
import type { Exchange } from '../exchange.js';
import type { AssetBlob } from './asset-files.js';
import type { AssetManifestEntry } from './asset-manifest.js';
import type { AssetMount } from './asset-mount.js';
import { parseByteRange } from './byte-range.js';

const immutableCaching = 'public, max-age=31536000, immutable';

/**
 * Writes an asset's answer: 304 when the client already holds it (If-None-Match), 206 for one
 * satisfiable byte range, 416 for an unsatisfiable one, else 200 with the whole file. The ETag is
 * the file's sha256, so it names the bytes exactly and never changes for the same content.
 */
export function sendAsset(exchange: Exchange, mount: AssetMount, entry: AssetManifestEntry, blob: AssetBlob): void {
  const { req, res } = exchange;
  const headers = req.headers;
  const etag = `"${entry.digest.slice(7)}"`;
  const caching = mount.immutable ? immutableCaching : 'no-cache';
  const common = ['ETag', etag, 'Cache-Control', caching, 'Accept-Ranges', 'bytes', 'X-Request-Id', exchange.requestId];
  // A body the client sent with a GET is not read; the connection closes rather than read it.
  if (exchange.edge.closing || headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0') common.push('Connection', 'close');

  if (matchesEtag(headers['if-none-match'], etag)) {
    exchange.outcome = 304;
    res.writeHead(304, common);
    res.end();
    return;
  }
  const ifRange = headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseByteRange(headers.range, entry.size) : undefined;
  if (range === 'unsatisfiable') return exchange.refuse('range_not_satisfiable', undefined, ['Content-Range', `bytes */${entry.size}`]);

  const start = range?.start ?? 0;
  const end = range?.end ?? entry.size - 1;
  const status = range === undefined ? 200 : 206;
  exchange.outcome = status;
  common.push('Content-Type', entry.contentType, 'Content-Length', String(end - start + 1));
  if (range !== undefined) common.push('Content-Range', `bytes ${start}-${end}/${entry.size}`);
  res.writeHead(status, common);
  if (req.method === 'HEAD' || entry.size === 0) {
    res.end();
    return;
  }
  if (blob.bytes !== undefined) {
    res.end(range === undefined ? blob.bytes : blob.bytes.subarray(start, end + 1));
    return;
  }
  const stream = createReadStream(blob.path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** If-None-Match holds `etag`: `*`, or a list of tags compared weakly (RFC 9110 §13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  for (const tag of header.split(',')) {
    const trimmed = tag.trim();
    if ((trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag) return true;
  }
  return false;
}
