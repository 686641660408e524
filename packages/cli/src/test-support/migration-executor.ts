import { setTimeout as sleep } from 'node:timers/promises';
import type { Executor, StepOutcome } from '@berth/control-plane';

/**
 * A database_migration executor for CLI tests. It walks classified → dry_run → locked → applying
 * → verified, passing each gate that guards the next state, unless the operation's input asks
 * for an ending: `outcome: "lock-timeout"` fails at the lock (the "manual lock timeout" failure
 * mode), `outcome: "destructive"` rests in blocked. With `hold`, the first step waits until the
 * test calls `release(hold)`, so a watcher can connect before anything moves.
 */
export interface MigrationExecutor extends Executor {
  release(hold: string): void;
}

export function migrationExecutor(): MigrationExecutor {
  const waiting = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const gateFor = (hold: string) => {
    let entry = waiting.get(hold);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      waiting.set(hold, entry);
    }
    return entry;
  };
  const pass = (gate: string, evidence: Record<string, unknown>) => ({ gate, status: 'pass' as const, evidence });

  return {
    kind: 'database_migration',
    release: (hold) => gateFor(hold).resolve(),
    async step(ctx): Promise<StepOutcome> {
      const { outcome, hold } = ctx.operation.input as { outcome?: string; hold?: string };
      if (hold && ctx.operation.state === 'classified') await Promise.race([gateFor(hold).promise, sleep(20_000)]);
      // A short pause per step, so that the steps arrive as separate batches of the stream.
      await sleep(30);
      switch (ctx.operation.state) {
        case 'classified':
          if (outcome === 'destructive') {
            return { failureMode: 'destructive migration', sentence: 'The migration drops column users.email.', reason: 'It drops users.email: approve it after confirming the backup, or split it into expand and contract.', evidence: { statements: ['ALTER TABLE users DROP COLUMN email'] } };
          }
          return { to: 'dry_run', sentence: 'Classified as expand-only: one ADD COLUMN.', gates: [pass('expand/contract safe', { kind: 'expand', statements: 1 })] };
        case 'dry_run':
          return { to: 'locked', sentence: 'The dry run applied cleanly on a copy of the schema.', gates: [pass('backup/PITR posture known', { backup: 'nightly', pitrWindow: '7d' })] };
        case 'locked':
          if (outcome === 'lock-timeout') return { failureMode: 'manual lock timeout', sentence: 'The migration lock was not acquired within 5 s.', reason: 'A manual session holds the migration lock: end it, then run the migration again.', evidence: { waitedMs: 5000 } };
          return {
            to: 'applying',
            sentence: 'Holding the migration lock.',
            gates: [pass('old artifact compatibility checked', { artifact: 'sha256:abc', compatible: true }), pass('rollback plan explicit', { plan: 'down migration' })],
          };
        case 'applying':
          return { to: 'verified', sentence: 'Applied 1 statement; the schema matches what the artifact expects.', evidence: { statements: 1 } };
        default:
          throw new Error(`No step for state ${ctx.operation.state}.`);
      }
    },
  };
}
