import type { GateResult, Manifest } from '@berth/core';

export type LiveStateImpact = 'none' | 'compatible' | 'incompatible';

/**
 * "live state impact classified": compares the new artifact's `[live] state_schema` with the one
 * production serves. Incompatible means live sessions cannot carry over: they start cold, which a
 * person must approve ("cold deploy needs approval").
 */
export function liveStateGate(next: Manifest, production: Manifest | undefined, approved: boolean): { gate: GateResult; impact: LiveStateImpact } {
  const nextSchema = next.live?.stateSchema;
  const prodSchema = production?.live?.stateSchema;
  let impact: LiveStateImpact;
  let reason: string;
  if (!next.live || !production?.live) {
    impact = 'none';
    reason = !next.live ? 'the app declares no [live] sessions' : 'production serves no live sessions yet';
  } else if (nextSchema === prodSchema) {
    impact = 'compatible';
    reason = `the state schema is unchanged (${nextSchema ?? 'unversioned'})`;
  } else {
    impact = 'incompatible';
    reason = `the state schema changes from ${prodSchema ?? 'unversioned'} to ${nextSchema ?? 'unversioned'}: live sessions cannot be hydrated and will start fresh`;
  }
  const blocked = impact === 'incompatible' && !approved;
  return {
    impact,
    gate: { gate: 'live state impact classified', status: blocked ? 'fail' : 'pass', evidence: { impact, reason, production: prodSchema ?? null, next: nextSchema ?? null, ...(impact === 'incompatible' ? { approved } : {}) } },
  };
}
