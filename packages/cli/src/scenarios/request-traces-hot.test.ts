import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { openLive, type LiveSession } from './live-client.js';
import { send, startTrafficPlane, type TrafficPlane } from './traffic-plane.js';

const app = 'desk';
const host = 'desk.localhost';
/** Always awake (min 1), up to two allocations, and a live path whose sessions may resume elsewhere. */
const manifest = ['[scale]', 'min = 1', 'max = 2', '', '[live]', 'path = "/live"', 'resumable = true', 'state_schema = "v1"', 'store = "sessions"'].join('\n');

/**
 * The request traces of seeds/000 that find the app awake, on real processes: a control plane, a
 * `berth runner` child running the counting app (counting-app.ts: it says which allocation and
 * deployment answered, and logs every request it gets) and a `berth edge` child.
 */
describe('request traces on an awake app, on real processes', () => {
  let plane: TrafficPlane;
  let v1: { id: string; digest: string; previewHost: string };

  const get = (hostname: string, headers: Record<string, string> = {}, path = '/dashboard') => send(plane.edge.port, hostname, { path, headers });
  /** Scales production and waits until the edge reaches exactly `count` allocations of it. */
  const scaleTo = async (count: number) => {
    assert.equal((await plane.call('PUT', `/api/apps/${app}/environments/production/scale`, { count })).status, 200);
    const ready = await eventually(async () => {
      const list = await plane.allocations(app);
      return list.length === count && (await plane.allocations(app, 'production', 'draining')).length === 0 ? list : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, message: `${count} ready allocation(s)` });
    const ids = new Set(ready.map((a) => a.id));
    await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 2 * count + 2; i++) seen.add((await get(host)).json().allocation);
      return seen.size === count && [...seen].every((id) => ids.has(id));
    }, { timeoutMs: 30_000, intervalMs: 100, message: `the edge reaches the ${count} ready allocation(s) and no other` });
    return ready.map((a) => a.id);
  };

  before(async () => {
    plane = await startTrafficPlane();
    await plane.createApp(app);
    v1 = await plane.deploy(app, manifest, 'v1');
    await plane.promote(v1.id);
  });
  after(async () => plane?.dispose());

  test('GET Page While Hot', async () => {
    const [only] = await scaleTo(1);
    const first = await get(host);
    assert.equal(first.status, 200);
    assert.deepEqual([first.json().deployment, first.json().allocation], [v1.id, only], 'a ready allocation of the route owner answered');

    const [a, b] = await scaleTo(2);
    const operationsBefore = (await plane.call('GET', '/api/operations?limit=200')).body.items.map((op: { id: string }) => op.id);
    for (const pinned of [a!, b!]) {
      for (let i = 0; i < 8; i++) {
        const reply = await get(host, { cookie: `theme=dark; berth_alloc=${pinned}` }, '/dashboard?pinned=1');
        assert.equal(reply.status, 200);
        assert.deepEqual([reply.json().allocation, reply.json().deployment], [pinned, v1.id], 'the affinity cookie keeps the browser on its allocation');
      }
    }
    const operationsAfter = (await plane.call('GET', '/api/operations?limit=200')).body.items.map((op: { id: string }) => op.id);
    assert.deepEqual(operationsAfter, operationsBefore, 'serving a page creates no operation');
    assert.equal((await plane.wakes(app)).length, 0, 'an awake app is never woken');
    await eventually(async () => (await plane.requestLines(app)).filter((line) => line.startsWith('request GET /dashboard?pinned=1 ')).length === 16, { timeoutMs: 10_000, intervalMs: 200, message: 'the app served each page once' });
  });

  test('WebSocket Reconnect', async () => {
    /** Opens sessions until it holds one cookie for each of `allocations`, and closes them. */
    const cookiesFor = async (allocations: string[], port: number) => {
      const cookies = new Map<string, LiveSession>();
      await eventually(async () => {
        const session = await openLive(port, host, '/live');
        session.close();
        assert.equal(session.hello.resume, 'fresh', 'a new session starts fresh');
        assert.match(session.cookie, new RegExp(`^berth_session=${session.hello.allocation}\\.`));
        cookies.set(session.hello.allocation, session);
        return allocations.every((id) => cookies.has(id));
      }, { timeoutMs: 20_000, intervalMs: 50, message: 'a session on each allocation' });
      return cookies;
    };
    /** Scales 2 → 1 and says which allocation stopped and which is left. */
    const stopOne = async (pair: string[]) => {
      const [left] = await scaleTo(1);
      return { stopped: pair.find((id) => id !== left)!, left: left! };
    };

    // Without the session store bound: a reconnect goes back to its allocation; once that is gone, it starts fresh elsewhere.
    const pair = await scaleTo(2);
    const sessions = await cookiesFor(pair, plane.edge.port);
    for (const id of pair) {
      const again = await openLive(plane.edge.port, host, '/live', sessions.get(id)!.cookie);
      again.close();
      assert.deepEqual([again.hello.allocation, again.hello.resume, again.hello.session], [id, null, sessions.get(id)!.hello.session], 'pinned to its allocation');
    }
    const { stopped, left } = await stopOne(pair);
    const moved = await openLive(plane.edge.port, host, '/live', sessions.get(stopped)!.cookie);
    moved.close();
    assert.deepEqual([moved.hello.allocation, moved.hello.resume], [left, 'fresh'], 'no bound session store: fresh');
    assert.notEqual(moved.hello.session, sessions.get(stopped)!.hello.session);
    assert.match(moved.cookie, new RegExp(`^berth_session=${left}\\.`));

    // With the store bound (the binding secret), a session that lost its allocation is hydrated on another.
    // A new edge: the first one keeps what it read of the environment's secrets for 30 s.
    await plane.setSecret(app, 'BERTH_BINDING_SESSIONS', 'redis://sessions.internal:6379/0');
    const pairAgain = await scaleTo(2);
    const edge2 = await plane.startEdge('e2');
    const bound = await cookiesFor(pairAgain, edge2.port);
    const next = await stopOne(pairAgain);
    await eventually(async () => (await send(edge2.port, host, { path: '/dashboard' })).json().allocation === next.left, { timeoutMs: 20_000, message: 'e2 follows the scale-down' });
    const hydrated = await openLive(edge2.port, host, '/live', bound.get(next.stopped)!.cookie);
    hydrated.close();
    assert.deepEqual([hydrated.hello.allocation, hydrated.hello.resume, hydrated.hello.session], [next.left, 'hydrate', bound.get(next.stopped)!.hello.session], 'hydrated on the other allocation, same session');
    await eventually(async () => (await plane.outputLines(app)).includes('upgrade /live hydrate'), { timeoutMs: 10_000, intervalMs: 200, message: 'the app logged the hydrated upgrade' });
  });

  test('Preview Deploy Request', async () => {
    await scaleTo(1);
    const deploysBefore = (await plane.call('GET', '/api/operations?kind=deploy&limit=200')).body.items.length;
    const v2 = await plane.deploy(app, manifest, 'v2');
    assert.notEqual(v2.digest, v1.digest);
    const previewAllocations = await eventually(async () => {
      const list = (await plane.call('GET', `/api/apps/${app}/allocations`)).body.items.filter((a: { deploymentId: string; state: string; environmentId: string }) => a.deploymentId === v2.id && a.state === 'ready');
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 30_000, message: 'v2 runs in its preview' });
    const previewIds = new Set(previewAllocations.map((a: { id: string }) => a.id));
    await eventually(async () => (await get(v2.previewHost)).status === 200, { timeoutMs: 30_000, message: 'the preview hostname is served' });
    for (let i = 0; i < 6; i++) {
      const preview = (await get(v2.previewHost)).json();
      assert.equal(preview.deployment, v2.id, 'the preview hostname reaches v2 only');
      assert.ok(previewIds.has(preview.allocation), 'an allocation of the preview environment');
      assert.equal((await get(host)).json().deployment, v1.id, 'production stays on v1');
    }
    const record = (await plane.call('GET', `/api/deployments/${v2.id}`)).body;
    assert.equal(record.state, 'preview_ready');
    assert.equal(record.digest, v2.digest);
    // The deployment carries its validation evidence: the gates that guarded preview_ready.
    for (const gate of ['generated artifacts current', 'live state impact classified', 'DB impact classified', 'secrets/providers bound']) {
      assert.equal(record.gates[gate]?.status, 'pass', `${gate}: ${JSON.stringify(record.gates)}`);
    }

    const promotion = await plane.promote(v2.id);
    assert.equal(promotion.digest, v2.digest, 'the promotion carries the preview\'s exact artifact');
    await eventually(async () => (await get(host)).json().deployment === v2.id, { timeoutMs: 30_000, message: 'production serves v2' });
    await eventually(async () => (await plane.allocations(app)).every((a) => a.digest === v2.digest && a.deploymentId === v2.id), { timeoutMs: 30_000, message: 'production runs v2\'s artifact only' });
    assert.equal((await plane.call('GET', '/api/operations?kind=deploy&limit=200')).body.items.length, deploysBefore + 1, 'promoting started no build');
  });
});
