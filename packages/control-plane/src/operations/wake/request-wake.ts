import { BerthError, type Clock } from '@berth/core';
import type { OperationEngine } from '../../engine/operation-engine.js';
import type { Db } from '../../store/db.js';
import { currentWake } from './wake-lookup.js';
import { presentWake, type WakeInput, type WakeRequestClass, type WakeTrigger, type WakeView } from './wake-record.js';
import { attachWakeRequest, insertWakeRequests } from './wake-requests-store.js';
import { findWakeTarget, nothingToWake, wakeScale } from './wake-target.js';

export interface RequestWakeDeps {
  db: Db;
  engine: OperationEngine;
  clock: Clock;
}

export interface WakeRequest {
  environmentId: string;
  requestClass: WakeRequestClass;
  trigger: WakeTrigger;
  /** The edge asking; recorded on the wake so an edge restarted mid-wake is seen attaching. */
  edgeId: string;
}

export interface WakeAnswer {
  wake: WakeView;
  /** False for the request that created the wake; true for every one that joined it. */
  attached: boolean;
  /** How long the edge may hold safe requests: the app's `[scale] wake_budget`. */
  budgetMs: number;
  /** The route owner's epoch the wake serves (its first hostname's). */
  routeEpoch: number | null;
}

/** A unique violation: here, the partial index that allows one unfinished wake per environment. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/**
 * Creates the environment's wake, or attaches to the one in flight (or hot). The store decides
 * under concurrency: the partial unique index `operations_one_wake` lets exactly one insert win,
 * and every loser reads the winner and attaches, however many edges and requests race. Each
 * request is counted on the wake with its trigger as evidence (bounded; never a body).
 */
export async function requestWake(deps: RequestWakeDeps, req: WakeRequest): Promise<WakeAnswer> {
  const target = await findWakeTarget(deps.db, req.environmentId);
  if (!target) throw new BerthError('not_found', `No environment ${req.environmentId}.`, { suggestion: 'The app or preview may have been deleted; refresh the edge\'s route snapshot.' });
  const nothing = nothingToWake(target);
  if (nothing) throw new BerthError('nothing_to_wake', nothing, { details: { environmentId: req.environmentId } });
  const budgetMs = wakeScale(target.manifest).wakeBudgetMs;
  const currentEpoch = target.owners[0]?.epoch ?? null;
  // A few rounds at most: a wake can end between being read and being attached to, and then the
  // next request starts a new one.
  for (let round = 0; round < 5; round++) {
    const arrival = { requestClass: req.requestClass, trigger: req.trigger, edgeId: req.edgeId, at: new Date(deps.clock.now()) };
    const existing = await currentWake(deps.db, req.environmentId);
    if (existing) {
      if (await attachWakeRequest(deps.db, existing.id, arrival)) {
        const wake = presentWake(existing);
        return { wake, attached: true, budgetMs, routeEpoch: wake.routeEpoch ?? currentEpoch };
      }
      continue;
    }
    const input: WakeInput = { environmentId: req.environmentId, requestClass: req.requestClass, trigger: req.trigger, edgeId: req.edgeId };
    try {
      const { operation } = await deps.engine.create({
        orgId: target.orgId, kind: 'wake', subject: { type: 'environment', id: req.environmentId }, input: { ...input }, actor: `edge:${req.edgeId}`,
        onCreate: (tx, op) => insertWakeRequests(tx, op.id, arrival),
      });
      return { wake: presentWake(operation), attached: false, budgetMs, routeEpoch: currentEpoch };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new BerthError('conflict', `The wake of environment ${req.environmentId} kept changing while this request tried to join it; retry.`);
}
