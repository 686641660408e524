import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, type Clock } from '@berth/core';
import type { Db } from '../store/db.js';
import { requestHash } from '../engine/request-hash.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request reserved an Idempotency-Key and its answer must be kept. */
    idempotencyKey: string | undefined;
  }
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** How long an unanswered reservation holds its key. */
const abandonedAfterMs = 5 * 60_000;

/**
 * POST requests may carry an `Idempotency-Key`. The first request with a key reserves it; its
 * answer is kept, and a retry with the same key and the same body gets the same answer (with
 * `Idempotent-Replayed: true`) instead of doing the work again. The same key with another body is
 * refused (422); a retry while the first is still being handled gets 409. A 5xx answer is not
 * kept, so the retry can do the work.
 */
export function installIdempotency(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorateRequest('idempotencyKey', undefined);

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined || !request.token) return;
    // A streamed body (a source upload) cannot be hashed here; its route applies the key itself.
    if (request.body instanceof Readable) return;
    if (typeof key !== 'string' || !keyPattern.test(key)) {
      throw new BerthError('invalid_body', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
    }
    const orgId = request.token.orgId;
    const path = request.url.split('?')[0]!;
    const hash = requestHash({ method: request.method, path, body: request.body ?? null });
    const reserved = await db.query(
      `INSERT INTO idempotent_requests (org_id, key, method, path, request_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, key) DO NOTHING RETURNING key`,
      [orgId, key, request.method, path, hash, new Date(clock.now())],
    );
    if (reserved.length === 1) {
      request.idempotencyKey = key;
      return;
    }
    const [prior] = await db.query<{ request_hash: string; status: number | null; response: unknown; created_at: Date }>('SELECT request_hash, status, response, created_at FROM idempotent_requests WHERE org_id = $1 AND key = $2', [orgId, key]);
    if (!prior) throw new BerthError('conflict', 'The Idempotency-Key was released while this request was read; retry.');
    if (prior.request_hash !== hash) throw new BerthError('idempotency_key_reused', `Idempotency-Key "${key}" was already used for a different request.`);
    if (prior.status === null) {
      // A reservation whose request never answered (the control plane died mid-request) is taken
      // over after a while, so the key is not stuck at 409 forever.
      const now = clock.now();
      if (now - prior.created_at.getTime() > abandonedAfterMs) {
        const taken = await db.query('UPDATE idempotent_requests SET created_at = $3 WHERE org_id = $1 AND key = $2 AND status IS NULL AND created_at = $4 RETURNING key', [orgId, key, new Date(now), prior.created_at]);
        if (taken.length === 1) {
          request.idempotencyKey = key;
          return;
        }
      }
      throw new BerthError('idempotency_key_in_flight');
    }
    void reply.header('idempotent-replayed', 'true').status(prior.status).send(prior.response);
    return reply;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (key === undefined) return payload;
    request.idempotencyKey = undefined;
    if (reply.statusCode >= 500) {
      await db.query('DELETE FROM idempotent_requests WHERE org_id = $1 AND key = $2', [request.token.orgId, key]);
      return payload;
    }
    const body = typeof payload === 'string' && payload.length > 0 ? payload : 'null';
    await db.query('UPDATE idempotent_requests SET status = $3, response = $4::jsonb WHERE org_id = $1 AND key = $2', [request.token.orgId, key, reply.statusCode, body]);
    return payload;
  });
}
