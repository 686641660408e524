import { BerthError, type GateResult } from '@berth/core';
import { classifyMigrations } from '@berth/builder';

/**
 * "DB impact classified": classifies the migrations this deploy adds or changes against the ones
 * production's artifact carries, with the real PostgreSQL parser. A contract or destructive change
 * blocks the preview ("migration blocks preview") until a person approves it: a preview never
 * migrates production data, and the change needs a plan before it is promoted.
 */
export async function dbImpactGate(
  next: Array<{ name: string; sql: string }>,
  production: Array<{ name: string; sql: string }>,
  approved: boolean,
): Promise<{ gate: GateResult; blocks: boolean }> {
  try {
    const result = await classifyMigrations(next, production);
    const blocks = (result.impact === 'contract' || result.impact === 'destructive') && !approved;
    return {
      blocks,
      gate: { gate: 'DB impact classified', status: blocks ? 'fail' : 'pass', evidence: { ...(result.evidence as unknown as Record<string, unknown>), reason: `the migrations' impact is ${result.impact}`, ...(blocks || approved ? { approved } : {}) } },
    };
  } catch (error) {
    if (error instanceof BerthError && error.code === 'invalid_migration_sql') {
      return { blocks: false, gate: { gate: 'DB impact classified', status: 'fail', evidence: { reason: error.message, ...(error.details ?? {}) } } };
    }
    throw error;
  }
}
