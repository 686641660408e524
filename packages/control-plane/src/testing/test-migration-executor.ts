import type { Executor } from '../engine/executor.js';

/**
 * An executor for the database_migration machine written for tests: it walks classified → dry_run
 * → locked → applying → verified, passing each guarding gate, unless the operation's input asks it
 * to fail (`{ fail: "manual lock timeout" }`) or to pause each step (`{ stepMs }`).
 */
export function testMigrationExecutor(): Executor {
  const next: Record<string, { to: string; gates: string[] }> = {
    classified: { to: 'dry_run', gates: ['expand/contract safe'] },
    dry_run: { to: 'locked', gates: ['backup/PITR posture known'] },
    locked: { to: 'applying', gates: ['old artifact compatibility checked', 'rollback plan explicit'] },
    applying: { to: 'verified', gates: [] },
  };
  return {
    kind: 'database_migration',
    async step(ctx) {
      const input = ctx.operation.input as { fail?: string; stepMs?: number };
      if (input.stepMs) await new Promise((resolve) => setTimeout(resolve, input.stepMs));
      if (input.fail && ctx.operation.state === 'locked') return { failureMode: input.fail, sentence: `Test failure: ${input.fail}.` };
      const step = next[ctx.operation.state]!;
      return { to: step.to, sentence: `Moved to ${step.to}.`, gates: step.gates.map((gate) => ({ gate, status: 'pass' as const, evidence: { reason: 'checked by the test executor' } })) };
    },
  };
}
