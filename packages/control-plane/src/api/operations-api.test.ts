import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { startTestControlPlane, testMigrationExecutor, type TestControlPlane } from '../testing/index.js';

function parseSse(text: string): Array<{ event: string; id?: string; data: any }> {
  return text.split('\n\n').filter((block) => block.trim() && !block.startsWith(':')).map((block) => {
    const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
    return { event: fields.event ?? 'message', ...(fields.id ? { id: fields.id } : {}), data: JSON.parse(fields.data ?? 'null') };
  });
}

describe('operations API', () => {
  let t: TestControlPlane;
  let orgId: string;
  before(async () => {
    t = await startTestControlPlane({ executors: [testMigrationExecutor()] });
    orgId = (await t.call('GET', '/api/whoami')).body.organization.id;
  });
  after(async () => t?.close());

  const createOp = (input: Record<string, unknown> = {}) =>
    t.cp.engine.create({ orgId, kind: 'database_migration', subject: { type: 'app', id: 'app_test' }, input, actor: 'test' }).then((r) => r.operation.id);

  test('show: state, gates with evidence, and the whole timeline', async () => {
    const id = await createOp();
    await eventually(async () => (await t.call('GET', `/api/operations/${id}`)).body.state === 'verified');
    const res = await t.call('GET', `/api/operations/${id}`);
    assert.equal(res.body.role, 'terminal');
    assert.equal(res.body.gates['rollback plan explicit'].status, 'pass');
    assert.ok(res.body.stateDescription.length > 0);
    const transitions = res.body.timeline.filter((e: { type: string }) => e.type === 'transition').map((e: { to: string }) => e.to);
    assert.deepEqual(transitions, ['dry_run', 'locked', 'applying', 'verified']);
    assert.equal(res.body.timeline[0].type, 'created');
  });

  test('a failure mode ends the operation with its name and reason', async () => {
    const id = await createOp({ fail: 'manual lock timeout' });
    await eventually(async () => (await t.call('GET', `/api/operations/${id}`)).body.state === 'failed');
    const res = await t.call('GET', `/api/operations/${id}`);
    assert.equal(res.body.failureMode, 'manual lock timeout');
    assert.match(res.body.reason, /manual lock timeout/);
  });

  test('list: newest first, filtered by kind and state, paginated', async () => {
    const ids = [await createOp(), await createOp(), await createOp()];
    await eventually(async () => (await t.call('GET', '/api/operations?state=verified&limit=200')).body.items.filter((o: { id: string }) => ids.includes(o.id)).length === 3);
    const page1 = await t.call('GET', '/api/operations?kind=database_migration&limit=2');
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.items[0].id > page1.body.items[1].id, 'newest first');
    const page2 = await t.call('GET', `/api/operations?kind=database_migration&limit=2&cursor=${page1.body.nextCursor}`);
    assert.ok(page2.body.items[0].id < page1.body.items[1].id);
    assert.deepEqual((await t.call('GET', '/api/operations?kind=promotion')).body.items, []);
  });

  test('stream: Server-Sent Events of the timeline, then end', async () => {
    const id = await createOp({ stepMs: 50 });
    const res = await t.cp.api.inject({ method: 'GET', url: `/api/operations/${id}/stream`, headers: { authorization: `Bearer ${t.adminToken}` } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    const events = parseSse(res.body);
    const transitions = events.filter((e) => e.event === 'operation-event' && e.data.type === 'transition').map((e) => e.data.to);
    assert.deepEqual(transitions, ['dry_run', 'locked', 'applying', 'verified']);
    const seqs = events.filter((e) => e.event === 'operation-event').map((e) => Number(e.id));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'every event once, in order');
    assert.deepEqual(events.at(-1), { event: 'end', data: { state: 'verified', failureMode: null, reason: null } });
  });

  test('stream resumes after Last-Event-ID', async () => {
    const id = await createOp();
    await eventually(async () => (await t.call('GET', `/api/operations/${id}`)).body.state === 'verified');
    const res = await t.cp.api.inject({ method: 'GET', url: `/api/operations/${id}/stream`, headers: { authorization: `Bearer ${t.adminToken}`, 'last-event-id': '3' } });
    const first = parseSse(res.body).find((e) => e.event === 'operation-event');
    assert.equal(first?.id, '4');
  });

  test('stream over a real socket ends when the server closes', async () => {
    const url = await t.cp.listen('127.0.0.1', 0);
    const id = await createOp({ stepMs: 60_000 });
    const res = await fetch(`${url}/api/operations/${id}/stream`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /event: operation-event/);
    reader.cancel().catch(() => {});
  });
});
