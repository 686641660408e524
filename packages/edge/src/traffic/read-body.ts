import type { Exchange } from '../exchange.js';

/** A body read ahead, or why it was not: larger than the limit, or the client left or stalled. */
export type BodyRead = { readonly kind: 'read'; readonly body: Buffer } | { readonly kind: 'too_large' } | { readonly kind: 'gone' } | { readonly kind: 'stalled' };

/**
 * Reads an exchange's request body into memory, up to `limit` bytes: for the few requests the edge
 * must see whole before deciding (a webhook to verify, an unsafe request to hold through a wake).
 * A declared Content-Length over the limit is refused without reading a byte; a chunked body is
 * cut off at the limit. A client silent for the body timeout counts as stalled.
 */
export function readBody(exchange: Exchange, limit: number, expectContinue: boolean): Promise<BodyRead> {
  const { req, res, edge } = exchange;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve({ kind: 'too_large' });
  if (req.complete || (declared === undefined && req.headers['transfer-encoding'] === undefined) || declared === '0') {
    return Promise.resolve({ kind: 'read', body: Buffer.alloc(0) });
  }
  if (expectContinue) res.writeContinue();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      res.off('close', onGone);
      req.setTimeout(0);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        return finish({ kind: 'too_large' });
      }
      chunks.push(chunk);
    };
    // A body that arrived in one chunk (most bodies up to 64 KiB on a local connection) is that
    // chunk: Node's parser hands each one over as a copy of its own, and a second copy would
    // double the memory outside the JavaScript heap that every body costs. That memory is what
    // starts full garbage collections when few other objects are made (a stream of webhook
    // deliveries with bad signatures: ten full collections in four seconds, their marking steps
    // pausing the edge for up to 20 ms).
    const onEnd = () => finish({ kind: 'read', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onGone = () => finish({ kind: 'gone' });
    req.on('data', onData);
    req.on('end', onEnd);
    res.on('close', onGone);
    req.setTimeout(edge.bodyTimeoutMs, () => finish({ kind: 'stalled' }));
  });
}
