import type { GateResult } from '@berth/core';
import type { WakeRequestClass, WakeTrigger } from './wake-record.js';

/**
 * The gates guarding `wake_requested`, as pure functions of what the triggering request was and
 * what the wake budget allows. They judge what happens to the triggering request, as DESIGN.md's
 * request-class table says:
 *
 * - safe and live requests are held (they are safe to repeat), so they pass;
 * - an unsafe request with an Idempotency-Key is held and forwarded exactly once under its key;
 *   one without a key is never held: the edge answers it with a retryable 503 and the wake still
 *   starts (issue 6: "without a key ... a retryable 503 and the wake starts"), so nothing is
 *   replayed and both gates pass with `held: false`;
 * - a webhook is answered 503 so the provider retries; it passes only with a verified provider
 *   event id recorded (so each event is processed once when hot), and without one the wake fails
 *   with "payment webhook while cold".
 */

export const gateNames = {
  requestClass: 'request class safe to hold',
  budget: 'wake budget available',
  readiness: 'allocation passes readiness',
  replay: 'unsafe replay policy exists',
} as const;

interface TriggerVerdict {
  pass: boolean;
  held: boolean;
  why: string;
}

function judgeTrigger(requestClass: WakeRequestClass, trigger: WakeTrigger): TriggerVerdict {
  switch (requestClass) {
    case 'safe':
      return { pass: true, held: true, why: `${trigger.method} ${trigger.path} is safe to repeat: held up to the wake budget` };
    case 'live':
      return { pass: true, held: true, why: `the live session upgrade on ${trigger.path} opens nothing until the app is hot` };
    case 'unsafe':
      return trigger.idempotencyKey
        ? { pass: true, held: true, why: `${trigger.method} ${trigger.path} carries an Idempotency-Key: held and forwarded exactly once` }
        : { pass: true, held: false, why: `${trigger.method} ${trigger.path} has no Idempotency-Key: answered with a retryable 503, never held or replayed` };
    case 'webhook': {
      const eventId = trigger.webhook?.eventId;
      return eventId
        ? { pass: true, held: false, why: `the ${trigger.webhook!.provider} event ${eventId} was verified and recorded: the provider is answered 503 and its retry is processed once when hot` }
        : { pass: false, held: false, why: `the ${trigger.webhook?.provider ?? 'provider'} webhook on ${trigger.path} has no verified provider event id to process it once by` };
    }
  }
}

function triggerEvidence(requestClass: WakeRequestClass, trigger: WakeTrigger, verdict: TriggerVerdict): Record<string, unknown> {
  return {
    requestClass,
    method: trigger.method,
    path: trigger.path,
    held: verdict.held,
    ...(requestClass === 'unsafe' ? { idempotencyKey: trigger.idempotencyKey === true } : {}),
    ...(trigger.webhook ? { provider: trigger.webhook.provider, eventId: trigger.webhook.eventId ?? null } : {}),
    reason: verdict.why,
  };
}

/** "request class safe to hold" and "unsafe replay policy exists" for the triggering request. */
export function triggerGates(requestClass: WakeRequestClass, trigger: WakeTrigger): { gates: GateResult[]; refused: boolean; why: string } {
  const verdict = judgeTrigger(requestClass, trigger);
  const evidence = triggerEvidence(requestClass, trigger, verdict);
  const status = verdict.pass ? 'pass' : 'fail';
  return {
    gates: [
      { gate: gateNames.requestClass, status, evidence },
      { gate: gateNames.replay, status, evidence: { ...evidence, replay: requestClass === 'unsafe' && trigger.idempotencyKey ? 'forwarded once under its Idempotency-Key' : requestClass === 'webhook' ? 'processed once per provider event id' : 'nothing is replayed' } },
    ],
    refused: !verdict.pass,
    why: verdict.why,
  };
}

/**
 * "wake budget available": a wake starts at most `maxAllocations` allocations (the desired count it
 * sets), and an environment starts at most `limit` wakes per minute; past it, "wake stampede".
 */
export function budgetGate(recentWakes: number, limit: number, maxAllocations: number, budgetMs: number): { gate: GateResult; refused: boolean; why: string } {
  const refused = recentWakes >= limit;
  const why = refused
    ? `${recentWakes} wakes of this environment started within the last minute; the limit is ${limit}`
    : `${recentWakes} of ${limit} wakes used in the last minute; this wake starts at most ${maxAllocations} allocation${maxAllocations === 1 ? '' : 's'}`;
  return { gate: { gate: gateNames.budget, status: refused ? 'fail' : 'pass', evidence: { recentWakes, wakesPerMinute: limit, maxAllocationStarts: maxAllocations, wakeBudgetMs: budgetMs, reason: why } }, refused, why };
}
