import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { systemClock } from '@berth/core';
import { eventually, FakeClock } from '@berth/testkit';
import { createSideEffectsTable, openTestDb, sideEffects, storeBackends, testPipelineExecutor, testPipelineMachine, type TestDb } from '../testing/index.js';
import { OperationEngine, type EngineDeps } from './operation-engine.js';
import { findOperation, listEvents } from './operations-store.js';

const machines = { test_pipeline: testPipelineMachine };

for (const { backend, skip } of await storeBackends()) {
  describe(`operation engine on ${backend}`, { skip }, () => {
    let t: TestDb;
    let orgId: string;
    const engines: OperationEngine[] = [];

    function engine(owner: string, deps: Partial<EngineDeps> = {}): OperationEngine {
      const e = new OperationEngine({ db: t.db, clock: systemClock, machines, owner, pollMs: 20, leaseMs: 5000, ...deps });
      e.register(testPipelineExecutor(t.db, owner));
      engines.push(e);
      return e;
    }

    before(async () => {
      t = await openTestDb(backend);
      await createSideEffectsTable(t.db);
    });
    beforeEach(async () => {
      orgId = `org_test${Math.random().toString(36).slice(2, 10)}`;
      await t.db.query('INSERT INTO organizations (id, name, created_at) VALUES ($1, $1, now())', [orgId]);
    });
    after(async () => {
      await Promise.all(engines.map((e) => e.stop()));
      await t?.dispose();
    });

    const create = (e: OperationEngine, input: Record<string, unknown> = {}, idempotencyKey?: string) =>
      e.create({ orgId, kind: 'test_pipeline', subject: { type: 'test', id: 'subject-1' }, input, actor: 'test', ...(idempotencyKey ? { idempotencyKey } : {}) });

    test('drives an operation through every step, persisting each transition with its evidence', async () => {
      const e = engine('solo');
      const { operation } = await create(e);
      assert.equal(operation.state, 'queued');
      while ((await e.runOnce()) > 0) await e.idle();
      const done = await findOperation(t.db, operation.id);
      assert.equal(done?.state, 'done');
      assert.equal(done?.role, 'terminal');
      assert.equal(done?.lease, null);
      assert.ok(done?.finishedAt);
      assert.equal(done?.gates.checked?.status, 'pass');
      const events = await listEvents(t.db, operation.id);
      assert.deepEqual(events.map((ev) => ev.seq), events.map((_, i) => i + 1));
      assert.deepEqual(events.filter((ev) => ev.type === 'transition').map((ev) => `${ev.from}->${ev.to}`), ['queued->one', 'one->two', 'two->three', 'three->done']);
      assert.equal(events.find((ev) => ev.type === 'gate')?.evidence.gate, 'checked');
      assert.deepEqual((await sideEffects(t.db, operation.id)).map((s) => s.state), ['queued', 'one', 'two', 'three']);
    });

    test('a failing gate moves the operation to blocked with a reason; a person moves it on', async () => {
      const e = engine('gates');
      const { operation } = await create(e, { gate: 'fail' });
      while ((await e.runOnce()) > 0) await e.idle();
      const blocked = await findOperation(t.db, operation.id);
      assert.equal(blocked?.state, 'blocked');
      assert.equal(blocked?.role, 'resting');
      assert.equal(blocked?.gates.checked?.status, 'fail');
      assert.match(blocked?.reason ?? '', /Gate "checked" failed: the input says fail/);
      // Resting: the engine leaves it alone.
      assert.equal(await e.runOnce(), 0);
      // A person cannot skip the gate: entering `two` needs it passed.
      await assert.rejects(e.move(operation.id, { to: 'two', sentence: 'skip' }, 'person'), { code: 'illegal_transition' });
      const moved = await e.move(operation.id, { to: 'one', sentence: 'Retry after fixing the input.' }, 'person');
      assert.equal(moved.state, 'one');
      assert.equal(moved.reason, null);
    });

    test('an illegal transition is refused and leaves the row unchanged', async () => {
      const e = engine('illegal', { maxAttempts: 2 });
      const { operation } = await create(e, { illegalIn: 'two' });
      const before = await findOperation(t.db, operation.id);
      await assert.rejects(e.move(operation.id, { to: 'done', sentence: 'jump' }, 'person'), { code: 'illegal_transition' });
      assert.deepEqual(await findOperation(t.db, operation.id), before);
      // An executor proposing an illegal move: the row stays in `two`, the error is recorded,
      // and after the last attempt the operation fails with the reason instead of hanging.
      await e.runOnce();
      await e.idle();
      const stuck = await findOperation(t.db, operation.id);
      assert.equal(stuck?.state, 'two');
      const events = await listEvents(t.db, operation.id);
      assert.ok(events.some((ev) => ev.type === 'error' && /cannot move from "two" to "done"/.test(String(ev.evidence.error))));
      await t.db.query("UPDATE operations SET run_after = now() - interval '1 minute' WHERE id = $1", [operation.id]);
      await e.runOnce();
      await e.idle();
      const failed = await findOperation(t.db, operation.id);
      assert.equal(failed?.state, 'failed');
      assert.match(failed?.reason ?? '', /failed 2 times/);
    });

    test('a step that throws is retried after a backoff and then carries on', async () => {
      const clock = new FakeClock(Date.now());
      const e = engine('retry', { clock });
      const { operation } = await create(e, { throwIn: 'one', throwTimes: 1 });
      await e.runOnce();
      await e.idle();
      assert.equal((await findOperation(t.db, operation.id))?.attempts, 1);
      assert.equal(await e.runOnce(), 0, 'not due before its backoff');
      clock.advance(1500);
      while ((await e.runOnce()) > 0) await e.idle();
      assert.equal((await findOperation(t.db, operation.id))?.state, 'done');
    });

    test('the same create sent twice with one idempotency key yields one operation', async () => {
      const e = engine('idem');
      const results = await Promise.all(Array.from({ length: 5 }, () => create(e, { n: 1 }, 'key-1')));
      assert.equal(new Set(results.map((r) => r.operation.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      await assert.rejects(create(e, { n: 2 }, 'key-1'), { code: 'idempotency_key_reused' });
      const [{ n }] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM operations WHERE org_id = $1', [orgId])) as [{ n: number }];
      assert.equal(n, 1);
    });

    test('a stale executor (lease expired and taken over) cannot write a transition', async () => {
      const clock = new FakeClock(Date.now());
      let releaseA!: () => void;
      const aBlocked = new Promise<void>((resolve) => (releaseA = resolve));
      let aEntered!: () => void;
      const aInStep = new Promise<void>((resolve) => (aEntered = resolve));
      const a = new OperationEngine({ db: t.db, clock, machines, owner: 'stale-a', leaseMs: 1000, pollMs: 20 });
      a.register(testPipelineExecutor(t.db, 'stale-a', {
        beforeStep: async (ctx) => {
          if (ctx.operation.state === 'two') {
            aEntered();
            await aBlocked;
          }
        },
      }));
      engines.push(a);
      const b = engine('stale-b', { clock, leaseMs: 1000 });
      const { operation } = await create(a);
      // A stays stuck in its step until released, whatever fails: a stuck step would keep its
      // lease renewals (and this file) running.
      try {
        await a.runOnce();
        await aInStep;
        clock.advance(5000); // A's lease has expired (and its renewals, on the fake clock, cannot catch up).
        await t.db.query('UPDATE operations SET lease_expires_at = $2 WHERE id = $1', [operation.id, new Date(clock.now() - 1)]);
        // B's claim skips a row that A's last renewal (refused: the lease had expired) still has
        // locked at that instant (FOR UPDATE SKIP LOCKED), so B tries again until it claims.
        for (let tries = 0; tries < 100 && (await b.runOnce()) === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
        await b.idle();
      } finally {
        releaseA();
      }
      const afterB = await findOperation(t.db, operation.id);
      assert.equal(afterB?.state, 'done');
      await a.idle();
      const final = await findOperation(t.db, operation.id);
      assert.deepEqual(final, afterB, 'the stale executor wrote nothing');
      const events = await listEvents(t.db, operation.id);
      assert.ok(events.some((ev) => ev.type === 'lease' && /Taken over from stale-a/.test(ev.sentence)));
      assert.ok(!events.some((ev) => ev.type === 'transition' && ev.actor === 'stale-a' && ev.from === 'two'));
    });

    test('stop() hands the lease back so the operation is picked up at once', async () => {
      const e = engine('stopper');
      const { operation } = await create(e, { stepMs: 150 });
      e.start();
      await eventually(async () => (await findOperation(t.db, operation.id))?.state === 'two');
      await e.stop();
      const stopped = await findOperation(t.db, operation.id);
      assert.equal(stopped?.lease, null);
      assert.equal(stopped?.role, 'active');
      const events = await listEvents(t.db, operation.id);
      assert.ok(events.some((ev) => ev.type === 'lease' && /handed back/.test(ev.sentence)));
      const next = engine('next');
      while ((await next.runOnce()) > 0) await next.idle();
      assert.equal((await findOperation(t.db, operation.id))?.state, 'done');
    });

    test('stop() does not wait forever on a step that ignores its signal', async () => {
      const e = engine('stubborn', { stopGraceMs: 100 });
      const { operation } = await create(e, { stepMs: 3000 });
      e.start();
      await eventually(async () => (await findOperation(t.db, operation.id))?.lease !== null);
      const started = Date.now();
      await e.stop();
      assert.ok(Date.now() - started < 2500, 'stop returned after its grace, not after the step');
      const released = await findOperation(t.db, operation.id);
      assert.equal(released?.lease, null);
      assert.equal(released?.state, 'queued');
      assert.ok((await listEvents(t.db, operation.id)).some((ev) => ev.type === 'lease' && /stopped before this step finished/.test(ev.sentence)));
    });

    test('two engines, 200 operations: every step runs exactly once', { timeout: 120_000 }, async () => {
      await t.db.query('DELETE FROM test_side_effects');
      const one = engine(`${backend}-one`, { concurrency: 8 });
      const two = engine(`${backend}-two`, { concurrency: 8 });
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) ids.push((await create(one, { i })).operation.id);
      one.start();
      two.start();
      await eventually(async () => {
        const [row] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM operations WHERE id = ANY($1::text[]) AND state = 'done'", [ids]);
        return row?.n === 200;
      }, { timeoutMs: 90_000, message: 'all 200 operations done' });
      const effects = await t.db.query<{ operation_id: string; state: string; n: number }>(
        'SELECT operation_id, state, count(*)::int AS n FROM test_side_effects WHERE operation_id = ANY($1::text[]) GROUP BY operation_id, state',
        [ids],
      );
      assert.equal(effects.length, 200 * 4);
      assert.deepEqual(effects.filter((row) => row.n !== 1), []);
      const owners = await t.db.query<{ owner: string }>('SELECT DISTINCT owner FROM test_side_effects WHERE operation_id = ANY($1::text[])', [ids]);
      if (backend === 'postgres') assert.equal(owners.length, 2, 'both engines did work');
    });
  });
}
