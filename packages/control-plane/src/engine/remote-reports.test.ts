import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '@berth/core';
import { openTestDb, type TestDb } from '../testing/index.js';
import { OperationEngine } from './operation-engine.js';
import { findOperation, listEvents } from './operations-store.js';

/**
 * Reports from a remote executor (a runner, for allocations) are fenced by the version they act
 * on: a late report from a superseded allocation or operation is refused and recorded, never applied.
 */
describe('remote reports', () => {
  let t: TestDb;
  let engine: OperationEngine;
  before(async () => {
    t = await openTestDb('pglite');
    await t.db.query("INSERT INTO organizations (id, name, created_at) VALUES ('org_remote', 'remote', now())");
    engine = new OperationEngine({ db: t.db, clock: systemClock });
  });
  after(async () => t?.dispose());

  test('a report at the current version is applied; a late one is refused and recorded', async () => {
    const { operation } = await engine.create({ orgId: 'org_remote', kind: 'allocation', subject: { type: 'allocation', id: 'alloc_x' }, actor: 'test' });
    const pulling = await engine.applyRemote(operation.id, operation.version, { to: 'pulling', sentence: 'pulling' }, 'host:a');
    assert.equal(pulling.state, 'pulling');
    // The same report again, at the version it already used: late.
    await assert.rejects(engine.applyRemote(operation.id, operation.version, { to: 'pulling', sentence: 'pulling again' }, 'host:a'), { code: 'stale_executor' });
    const after = await findOperation(t.db, operation.id);
    assert.equal(after?.version, pulling.version, 'nothing applied');
    const events = await listEvents(t.db, operation.id);
    const refused = events.find((e) => /late report was refused/.test(e.sentence));
    assert.ok(refused, 'recorded in the timeline');
    assert.equal(refused.actor, 'host:a');
    assert.equal((refused.evidence.refused as { version: number }).version, operation.version);
  });

  test('a report about an operation that already ended is refused', async () => {
    const { operation } = await engine.create({ orgId: 'org_remote', kind: 'allocation', subject: { type: 'allocation', id: 'alloc_y' }, actor: 'test' });
    const failed = await engine.applyRemote(operation.id, operation.version, { failureMode: 'runner crash', sentence: 'lost' }, 'worker-health');
    assert.equal(failed.state, 'failed');
    await assert.rejects(engine.applyRemote(operation.id, failed.version, { to: 'ready', sentence: 'I am fine' }, 'host:a'), /already ended in "failed"/);
    assert.equal((await findOperation(t.db, operation.id))?.state, 'failed');
  });
});
