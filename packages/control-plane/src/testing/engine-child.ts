/**
 * A control-plane engine in its own process, for crash tests: it opens the store named by its
 * environment, drives test_pipeline operations, and prints one JSON line per timeline event on
 * stdout. SIGTERM stops it cleanly; the tests also SIGKILL it.
 *
 *   BERTH_CHILD_DATA_DIR or BERTH_CHILD_DATABASE_URL   the store
 *   BERTH_CHILD_OWNER                                   the engine's name in leases
 *   BERTH_CHILD_LEASE_MS                                lease length
 *   BERTH_CHILD_CREATE                                  JSON input of a test_pipeline operation to create
 */
import { systemClock } from '@berth/core';
import { OperationEngine } from '../engine/index.js';
import { openStore } from '../store/index.js';
import { createSideEffectsTable, testPipelineExecutor, testPipelineMachine } from './test-pipeline.js';

const env = process.env;
const { db } = await openStore(env.BERTH_CHILD_DATABASE_URL ? { kind: 'postgres', url: env.BERTH_CHILD_DATABASE_URL } : { kind: 'pglite', dataDir: env.BERTH_CHILD_DATA_DIR! });
await createSideEffectsTable(db);
const owner = env.BERTH_CHILD_OWNER ?? `child-${process.pid}`;
const engine = new OperationEngine({ db, clock: systemClock, machines: { test_pipeline: testPipelineMachine }, owner, leaseMs: Number(env.BERTH_CHILD_LEASE_MS ?? 1000), pollMs: 50 });
engine.register(testPipelineExecutor(db, owner));
engine.onEvent((event) => process.stdout.write(JSON.stringify({ event }) + '\n'));
if (env.BERTH_CHILD_CREATE) {
  await db.query("INSERT INTO organizations (id, name, created_at) VALUES ('org_crash', 'crash', now()) ON CONFLICT DO NOTHING");
  const { operation } = await engine.create({ orgId: 'org_crash', kind: 'test_pipeline', subject: { type: 'test', id: 'crash' }, input: JSON.parse(env.BERTH_CHILD_CREATE), actor: 'crash-test' });
  process.stdout.write(JSON.stringify({ created: operation.id }) + '\n');
}
engine.start();
process.stdout.write(JSON.stringify({ ready: owner }) + '\n');
process.once('SIGTERM', async () => {
  await engine.stop();
  await db.close();
  process.exit(0);
});
