import { setTimeout as sleep } from 'node:timers/promises';
import type { MachineSpec } from '@berth/core';
import type { Db } from '../store/db.js';
import type { Executor, StepContext, StepOutcome } from '../engine/executor.js';

/**
 * A small machine and executor for testing the engine itself: queued → one → two → three → done,
 * with a gate guarding `two`, a resting `blocked` state and a terminal `failed`. Every step records
 * its side effect in `test_side_effects`, so a test counts how often each step really ran.
 */
export const testPipelineMachine = {
  kind: 'test_pipeline',
  title: 'Test pipeline',
  description: 'A machine for testing the operation engine.',
  states: {
    queued: { role: 'active', description: 'Waiting to start.' },
    one: { role: 'active', description: 'Step one.' },
    two: { role: 'active', description: 'Step two.' },
    three: { role: 'active', description: 'Step three.' },
    done: { role: 'terminal', description: 'Finished.' },
    blocked: { role: 'resting', description: 'Waiting for a person.' },
    failed: { role: 'terminal', description: 'Gave up.' },
  },
  initial: 'queued',
  transitions: {
    queued: ['one', 'failed'],
    one: ['two', 'blocked', 'failed'],
    two: ['three', 'failed'],
    three: ['done', 'failed'],
    blocked: ['one', 'failed'],
    done: [],
    failed: [],
  },
  gates: [{ name: 'checked', guards: ['two'], description: 'The input was checked.' }],
  failureModes: [{ name: 'boom', leadsTo: 'failed', description: 'The test asked for it.', remedy: 'None: it is a test.' }],
} as const satisfies MachineSpec;

export interface TestPipelineInput {
  /** Status of the "checked" gate reported at step one; defaults to pass. */
  gate?: 'pass' | 'fail';
  /** Milliseconds each step takes. */
  stepMs?: number;
  /** A state whose step throws this many times before succeeding. */
  throwIn?: string;
  throwTimes?: number;
  /** A state whose step proposes an illegal transition. */
  illegalIn?: string;
}

const next: Record<string, string> = { queued: 'one', one: 'two', two: 'three', three: 'done' };

export async function createSideEffectsTable(db: Db): Promise<void> {
  await db.exec('CREATE TABLE IF NOT EXISTS test_side_effects (operation_id text NOT NULL, state text NOT NULL, owner text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
}

export async function sideEffects(db: Db, operationId?: string): Promise<Array<{ operation_id: string; state: string; owner: string }>> {
  return operationId
    ? db.query('SELECT operation_id, state, owner FROM test_side_effects WHERE operation_id = $1 ORDER BY at', [operationId])
    : db.query('SELECT operation_id, state, owner FROM test_side_effects ORDER BY at');
}

export function testPipelineExecutor(db: Db, owner: string, hooks: { beforeStep?: (ctx: StepContext) => Promise<void> } = {}): Executor {
  return {
    kind: 'test_pipeline',
    async step(ctx): Promise<StepOutcome> {
      const input = ctx.operation.input as TestPipelineInput;
      const state = ctx.operation.state;
      await hooks.beforeStep?.(ctx);
      if (input.stepMs) await sleep(input.stepMs);
      await db.query('INSERT INTO test_side_effects (operation_id, state, owner) VALUES ($1, $2, $3)', [ctx.operation.id, state, owner]);
      if (input.throwIn === state) {
        const thrown = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM test_side_effects WHERE operation_id = $1 AND state = $2", [ctx.operation.id, state]);
        if ((thrown[0]?.n ?? 0) <= (input.throwTimes ?? 1)) throw new Error(`step ${state} threw on purpose`);
      }
      if (input.illegalIn === state) return { to: 'done', sentence: 'Skipping ahead, illegally.' };
      if (state === 'one') {
        return { to: 'two', sentence: 'Step one done; the input was checked.', gates: [{ gate: 'checked', status: input.gate ?? 'pass', evidence: { reason: input.gate === 'fail' ? 'the input says fail' : 'the input is fine' } }] };
      }
      return { to: next[state]!, sentence: `Step ${state} done.`, evidence: { state, takeover: ctx.takeover } };
    },
  };
}
