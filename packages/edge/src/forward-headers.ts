import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Which headers cross the edge. Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and
 * die at the edge in both directions. The X-Forwarded-* family and X-Request-Id are the edge's to
 * set: the edge is where the client's connection ends, so anything a client sends under those names
 * is a claim the app must not trust (a spoofed address, a chosen request id).
 */
const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization',
]);
// Host is set again from the value the route was chosen by: a request carrying two Host headers
// must not show the app a hostname other than the one the edge routed. Expect is answered here.
// The Berth-Session-* headers tell an allocation how the edge placed a live session; a client
// claiming "hydrate" itself must not be believed.
const edgeOwned = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'forwarded', 'expect', 'berth-session-id', 'berth-session-resume']);
const droppedFromRequests = new Set([...hopByHop, ...edgeOwned]);

/**
 * Header names arrive in the client's case. Lowercasing every name would allocate per header per
 * request, so a name is lowercased only when its length matches one of the names being looked for.
 */
function nameIn(set: ReadonlySet<string>, lengths: ReadonlySet<number>, name: string): boolean {
  return lengths.has(name.length) && set.has(name.toLowerCase());
}
const lengthsOf = (set: ReadonlySet<string>): ReadonlySet<number> => new Set([...set].map((name) => name.length));
const hopByHopLengths = lengthsOf(hopByHop);
const droppedLengths = lengthsOf(droppedFromRequests);

/**
 * Extra hop-by-hop names a Connection header lists (`Connection: close, X-Secret`). The common
 * values name nothing extra, so the answer is undefined without splitting anything.
 */
function connectionListed(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') return undefined;
  const names = new Set(lower.split(',').map((token) => token.trim()));
  names.delete('keep-alive');
  names.delete('close');
  names.delete('upgrade');
  return names.size === 0 ? undefined : names;
}

// Printable, header-safe and bounded, so a client cannot smuggle log lines or huge values through it.
const requestIdPattern = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/**
 * Request ids are for correlating log lines, not secrets: a per-process random prefix (so two edge
 * processes, or one restarted, never hand out the same id) and a counter. A fresh UUID
 * per request cost more than the rest of the id handling together.
 */
const idRandom = randomBytes(10).toString('hex');
const idPrefix = `${idRandom.slice(0, 8)}-${idRandom.slice(8, 12)}-4${idRandom.slice(12, 15)}-a${idRandom.slice(15, 18)}-`;
let idCounter = 0;

/** Keeps a well-formed incoming X-Request-Id so a trace spans the client and the app; else makes one. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && requestIdPattern.test(incoming)) return incoming;
  // UUID-shaped, as ids from elsewhere usually are: the last group counts requests (48 bits).
  idCounter += 1;
  return idPrefix + idCounter.toString(16).padStart(12, '0');
}

/** The client's address as the app should see it: IPv4 clients without the IPv6-mapped prefix. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The headers sent to the allocation, as a flat name/value list built from the client's raw
 * headers: it keeps the client's case and repeated headers as sent, and needs no object per name.
 * `upgrade` keeps Connection and Upgrade, which a WebSocket handshake needs end to end.
 */
export function upstreamRequestHeaders(req: IncomingMessage, requestId: string, upgrade = false): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const host = req.headers.host ?? '';
  const out: string[] = ['Host', host];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (nameIn(droppedFromRequests, droppedLengths, name)) {
      if (!upgrade) continue;
      const lower = name.toLowerCase();
      if (lower !== 'connection' && lower !== 'upgrade') continue;
    }
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  // Transfer-Encoding is hop-by-hop: the upstream client frames the body itself (undici chunks a
  // body of unknown length; the agent path says so again, see upstream-attempt.ts).
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  out.push(
    'X-Forwarded-For', clientAddress(req),
    'X-Forwarded-Proto', encrypted ? 'https' : 'http',
    'X-Forwarded-Host', host,
    'X-Request-Id', requestId,
  );
  return out;
}

/**
 * The allocation's response headers as the client should get them: hop-by-hop headers removed,
 * X-Request-Id added when the app did not set its own, and `Connection: close` while the edge is
 * shutting down so the client does not send its next request to a closing server.
 */
export function clientResponseHeaders(upstream: IncomingMessage, requestId: string, closing: boolean): string[] {
  const raw = upstream.rawHeaders;
  const listed = connectionListed(upstream.headers.connection);
  const out: string[] = [];
  let hasRequestId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (nameIn(hopByHop, hopByHopLengths, name)) continue;
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') hasRequestId = true;
    out.push(name, raw[i + 1]!);
  }
  if (!hasRequestId) out.push('X-Request-Id', requestId);
  if (closing) out.push('Connection', 'close');
  return out;
}

/**
 * The same for a response read by undici, whose raw headers are Buffers: decoded as latin1, so
 * every byte the app sent reaches the client unchanged.
 */
export function clientResponseHeadersFromRaw(raw: readonly Buffer[], requestId: string, closing: boolean): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  let hasRequestId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    if (nameIn(hopByHop, hopByHopLengths, name)) {
      if (name.length === 10 && name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') hasRequestId = true;
    out.push(name, value);
  }
  const listed = connectionListed(connection);
  if (listed !== undefined) {
    for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i]!.toLowerCase())) out.splice(i, 2);
    if (listed.has('x-request-id')) hasRequestId = false;
  }
  if (!hasRequestId) out.push('X-Request-Id', requestId);
  if (closing) out.push('Connection', 'close');
  return out;
}
