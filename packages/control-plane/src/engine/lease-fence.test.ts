import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { systemClock } from '@berth/core';
import { eventually } from '@berth/testkit';
import { createSideEffectsTable, openTestDb, sideEffects, storeBackends, testPipelineMachine, type TestDb } from '../testing/index.js';
import type { Executor, StepContext, StepOutcome } from './executor.js';
import { OperationEngine } from './operation-engine.js';
import { findOperation, listEvents } from './operations-store.js';

const machines = { test_pipeline: testPipelineMachine };

/**
 * A step's fenced write (StepContext.fenced) after its lease ran out: refused and recorded. When
 * nobody took the operation over, that is all, and the next holder runs the step again. When
 * another holder took over and the operation is still active, the executor's `lateReport` names
 * the transition, committed at once in the refusal's transaction; the holder's next write is
 * refused in turn.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`fenced writes on ${backend}`, { skip }, () => {
    let t: TestDb;
    let orgId: string;
    let engine: OperationEngine;
    /** Per test: what the step does before its work in `state`, by call number. */
    let pause: (state: string, call: number, ctx: StepContext) => Promise<void> = async () => {};
    /** Steps held in `pause`, by name, once they are held (the first with its lease already expired). */
    const held = new Map<string, () => void>();
    const hold = async (name: string, ctx: StepContext, expire: boolean) => {
      if (expire) await expireLease(ctx.operation.id);
      await new Promise<void>((resolve) => held.set(name, resolve));
    };
    const release = (name: string) => held.get(name)!();

    const calls = new Map<string, number>();
    const executor: Executor = {
      kind: 'test_pipeline',
      async step(ctx): Promise<StepOutcome> {
        const state = ctx.operation.state;
        const call = (calls.get(state) ?? 0) + 1;
        calls.set(state, call);
        await pause(state, call, ctx);
        await ctx.fenced(`${state} side effect`, (tx) => tx.query('INSERT INTO test_side_effects (operation_id, state, owner) VALUES ($1, $2, $3)', [ctx.operation.id, state, `call ${call}`]));
        const next: Record<string, string> = { queued: 'one', one: 'two', two: 'three', three: 'done' };
        return { to: next[state]!, sentence: `Step ${state} done.`, gates: state === 'one' ? [{ gate: 'checked', status: 'pass', evidence: {} }] : [] };
      },
      async lateReport(_tx, current, refused) {
        return { failureMode: 'boom', sentence: 'A late report.', reason: `the ${refused.action} came late (version ${refused.version}, now ${current.version})` };
      },
    };
    const expireLease = (id: string) => t.db.query('UPDATE operations SET lease_expires_at = $2 WHERE id = $1', [id, new Date(Date.now() - 1000)]);

    before(async () => {
      t = await openTestDb(backend);
      await createSideEffectsTable(t.db);
      engine = new OperationEngine({ db: t.db, clock: systemClock, machines, owner: 'fence-test', leaseMs: 5000 });
      engine.register(executor);
    });
    beforeEach(async () => {
      calls.clear();
      held.clear();
      orgId = `org_fence${Math.random().toString(36).slice(2, 10)}`;
      await t.db.query('INSERT INTO organizations (id, name, created_at) VALUES ($1, $1, now())', [orgId]);
    });
    afterEach(() => {
      for (const resolve of held.values()) resolve();
    });
    after(async () => {
      await engine?.stop();
      await t?.dispose();
    });
    const create = async () => (await engine.create({ orgId, kind: 'test_pipeline', subject: { type: 'test', id: 'fenced' }, actor: 'test' })).operation;

    test('a write after the lease ran out, with nobody taking over: refused and recorded; the next holder runs the step again', async () => {
      pause = async (state, call, ctx) => {
        if (state === 'one' && call === 1) await hold('first', ctx, true);
      };
      const op = await create();
      await engine.runOnce();
      await eventually(async () => held.has('first'), { message: 'step one stalled' });
      release('first');
      await engine.idle();
      const stalled = await findOperation(t.db, op.id);
      assert.equal(stalled?.state, 'one', 'still where it was, for the next holder');
      assert.equal(stalled?.failureMode, null);
      assert.ok((await listEvents(t.db, op.id)).some((e) => /late report was refused: the one side effect acts on version \d+ \(state "one"\), but the operation is at version \d+ \(state "one"\)/.test(e.sentence)));

      // The stalled step counts as a failed attempt, retried after its backoff.
      await eventually(async () => {
        await engine.runOnce();
        await engine.idle();
        return (await findOperation(t.db, op.id))?.state === 'done';
      }, { timeoutMs: 15_000, message: 'the next holder finished it' });
      assert.deepEqual((await sideEffects(t.db, op.id)).map((s) => `${s.state} ${s.owner}`), ['queued call 1', 'one call 2', 'two call 1', 'three call 1']);
    });

    test('a write after another holder took over, the operation still active: the late report\'s transition, at once; the holder is fenced out', async () => {
      pause = async (state, call, ctx) => {
        if (state === 'one' && call === 1) await hold('first', ctx, true);
        if (state === 'two' && call === 1) await hold('holder', ctx, false);
      };
      const op = await create();
      await engine.runOnce();
      await eventually(async () => held.has('first'), { message: 'step one stalled' });
      await engine.runOnce();
      await eventually(async () => held.has('holder'), { message: 'the new holder reached step two' });

      release('first');
      const failed = await eventually(async () => {
        const now = await findOperation(t.db, op.id);
        return now?.state === 'failed' ? now : undefined;
      }, { message: 'the late report failed the operation' });
      assert.equal(failed.failureMode, 'boom');
      assert.match(failed.reason ?? '', /the one side effect came late \(version \d+, now \d+\)/);
      assert.equal(failed.lease, null, 'taken from its holder');

      release('holder');
      await engine.idle();
      const events = await listEvents(t.db, op.id);
      const refusals = events.filter((e) => /late report was refused/.test(e.sentence));
      assert.equal(refusals.length, 2, 'the first step\'s write, then the preempted holder\'s');
      assert.match(refusals[1]!.sentence, /the two side effect acts on version \d+ \(state "two"\), but the operation is at version \d+ \(state "failed"\)/);
      assert.deepEqual(events.filter((e) => e.type === 'transition').map((e) => `${e.from}->${e.to}`), ['queued->one', 'one->two', 'two->failed']);
      assert.deepEqual((await sideEffects(t.db, op.id)).map((s) => `${s.state} ${s.owner}`), ['queued call 1', 'one call 2'], 'neither late write happened');
      assert.equal((await findOperation(t.db, op.id))?.state, 'failed');
    });
  });
}
