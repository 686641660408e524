import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { parseRoutePublicKey, verifyEvent, verifySnapshot, type SignedDocument } from '@berth/core';
import { eventually } from '@berth/testkit';
import { swapRouteOwner } from '../routes/route-owners.js';
import { createJoinToken } from '../runners/join-tokens.js';
import { signRunnerToken, runnerTokenKey } from '../runners/runner-token.js';
import { startTestControlPlane, storeBackends, type TestControlPlane } from '../testing/index.js';
import { seedDeployment, type SeededApp } from '../route-feed/feed-fixtures.js';
import { edgesBehind } from './edges-store.js';
import { incidentsSince } from './propagation-incidents.js';

/** Reads Server-Sent Events from a real socket: each event's id and data, as they arrive. */
function openEventStream(url: string, token: string): Promise<{ events: Array<{ id: number; document: SignedDocument }>; response: IncomingMessage; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (response) => {
      const events: Array<{ id: number; document: SignedDocument }> = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) events.push({ id: Number(id), document: JSON.parse(data) as SignedDocument });
        }
      });
      response.on('error', () => {});
      resolve({ events, response, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

for (const { backend, skip } of await storeBackends()) {
  describe(`edges: registration, the route feed, reports and health (${backend})`, { skip }, () => {
    let t: TestControlPlane;
    let joinToken: string;
    let app: SeededApp;
    const edgeTimeoutMs = 3000;
    const register = (name: string, overrides: Record<string, unknown> = {}) =>
      t.call('POST', '/api/edges/register', { token: null, body: { joinToken, name, transport: 'embedded', version: '0.1.0', ...overrides } });
    const swap = async (hostname: string, expectedEpoch = 0) => {
      const dep = await seedDeployment(t.cp.db, app);
      const result = await t.cp.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch, operationId: null, now: new Date() }));
      t.cp.routeFeed.poke();
      return result.seq;
    };

    before(async () => {
      t = await startTestControlPlane({ backend, config: { edgeTimeoutMs } });
      joinToken = await t.cp.createJoinToken('edges', 60_000);
      const created = await t.call('POST', '/api/apps', { body: { name: 'edgy' } });
      assert.equal(created.status, 201);
      const [env] = await t.cp.db.query<{ id: string; app_id: string }>(`SELECT id, app_id FROM environments WHERE kind = 'production' AND app_id = $1`, [created.body.id]);
      const [org] = await t.cp.db.query<{ org_id: string }>('SELECT org_id FROM apps WHERE id = $1', [created.body.id]);
      app = { orgId: org!.org_id, appId: env!.app_id, production: env!.id, preview: env!.id };
      await swap('edgy.localhost');
    });
    after(async () => t?.close());

    test('a wrong or expired join token, or bad input, is refused with its code', async () => {
      const wrong = await t.call('POST', '/api/edges/register', { token: null, body: { joinToken: 'berth_join_nope', name: 'e1', transport: 'embedded', version: '1' } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'unauthenticated');
      const expired = await createJoinToken(t.cp.db, 'old', 1000, new Date(Date.now() - 60_000));
      const late = await t.call('POST', '/api/edges/register', { token: null, body: { joinToken: expired.secret, name: 'e1', transport: 'embedded', version: '1' } });
      assert.equal(late.status, 401);
      assert.match(late.body.error.message, /expired/);
      const badTransport = await register('e1', { transport: 'carrier-pigeon' });
      assert.equal(badTransport.status, 400);
      assert.equal(badTransport.body.error.code, 'invalid_body');
      const badName = await register('Not A Name');
      assert.equal(badName.status, 400);
      assert.equal((await t.call('GET', '/api/edges/route-snapshot', { token: null })).status, 401);
      const runnerToken = signRunnerToken(runnerTokenKey(Buffer.alloc(32)), { hostId: 'host_x', exp: Date.now() + 60_000 });
      assert.equal((await t.call('GET', '/api/edges/route-snapshot', { token: runnerToken })).status, 401, 'a runner token is not an edge token');
    });

    test('an edge registers, gets the route public key, a verified snapshot and a fresh token', async () => {
      const registered = await register('edge-a', { region: 'eu', transport: 'jetstream' });
      assert.equal(registered.status, 200);
      assert.match(registered.body.edgeId, /^edge_/);
      assert.match(registered.body.token, /^berth_edge\./);
      assert.equal(registered.body.routePublicKey, t.cp.routeFeed.publicKeyText);
      const snapshot = await t.call('GET', '/api/edges/route-snapshot', { token: registered.body.token });
      assert.equal(snapshot.status, 200);
      const verified = verifySnapshot(snapshot.body, parseRoutePublicKey(registered.body.routePublicKey).publicKey);
      assert.ok(verified.ok);
      assert.ok(verified.snapshot.routes.some((r) => r.hostname === 'edgy.localhost'));
      const refreshed = await t.call('POST', '/api/edges/refresh', { token: registered.body.token });
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.body.edgeId, registered.body.edgeId);
      const shown = await t.call('GET', '/api/edges/edge-a');
      assert.equal(shown.status, 200);
      assert.deepEqual([shown.body.region, shown.body.transport, shown.body.status, shown.body.appliedSeq], ['eu', 'jetstream', 'live', 0]);
    });

    test('reports record the applied sequence; incidents are recorded, then resolved once the edge is past them', async () => {
      const { body: edge } = await register('edge-b');
      const seq = await swap('report.localhost');
      const behind = await edgesBehind(t.cp.db, seq, new Date(), edgeTimeoutMs * 100);
      assert.ok(behind.some((e) => e.id === edge.edgeId), 'the edge has not applied the new sequence');
      const since = new Date(Date.now() - 1000);
      const gap = { kind: 'gap', expectedSeq: seq, gotSeq: seq + 1, detail: `expected ${seq}, got ${seq + 1}`, affectedHostnames: ['report.localhost'], at: new Date().toISOString() };
      const degraded = await t.call('POST', '/api/edges/report', { token: edge.token, body: { appliedSeq: seq - 1, degradedReason: 'gap in the route feed', incidents: [gap] } });
      assert.equal(degraded.status, 200);
      assert.deepEqual([degraded.body.appliedSeq, degraded.body.incidentsRecorded, degraded.body.incidentsResolved], [seq - 1, 1, 0]);
      let shown = await t.call('GET', `/api/edges/${edge.edgeId}`);
      assert.equal(shown.body.degradedReason, 'gap in the route feed');
      assert.equal(shown.body.incidents.length, 1);
      assert.deepEqual([shown.body.incidents[0].kind, shown.body.incidents[0].expectedSeq, shown.body.incidents[0].gotSeq, shown.body.incidents[0].resolvedAt], ['gap', seq, seq + 1, null]);
      assert.deepEqual(shown.body.incidents[0].affectedHostnames, ['report.localhost']);
      assert.ok((await incidentsSince(t.cp.db, since)).some((i) => i.edgeId === edge.edgeId && i.edgeName === 'edge-b'));

      const next = await swap('report2.localhost');
      const healed = await t.call('POST', '/api/edges/report', { token: edge.token, body: { appliedSeq: next, degradedReason: null } });
      assert.equal(healed.body.incidentsResolved, 1);
      shown = await t.call('GET', `/api/edges/${edge.edgeId}`);
      assert.equal(shown.body.degradedReason, null);
      assert.equal(shown.body.appliedSeq, next);
      assert.equal(shown.body.incidents[0].resolvedSeq, next);
      assert.ok(shown.body.incidents[0].resolvedAt);
      assert.ok(!(await edgesBehind(t.cp.db, next, new Date(), edgeTimeoutMs * 100)).some((e) => e.id === edge.edgeId));

      const bad = await t.call('POST', '/api/edges/report', { token: edge.token, body: { appliedSeq: -1 } });
      assert.equal(bad.status, 400);
      const badIncident = await t.call('POST', '/api/edges/report', { token: edge.token, body: { appliedSeq: 1, incidents: [{ kind: 'meteor', detail: 'x', at: new Date().toISOString() }] } });
      assert.equal(badIncident.status, 400);
    });

    test('an edge silent past the timeout goes offline and no longer holds promotions back; a report brings it back', async () => {
      const { body: edge } = await register('edge-c');
      const seq = await swap('silent.localhost');
      await eventually(async () => (await t.call('GET', '/api/edges/edge-c')).body.status === 'offline', { timeoutMs: 20_000, message: 'edge-c went offline' });
      assert.ok(!(await edgesBehind(t.cp.db, seq, new Date(), edgeTimeoutMs)).some((e) => e.id === edge.edgeId));
      assert.ok(t.logs.some((line) => /edge edge-c .* offline/.test(line)));
      await t.call('POST', '/api/edges/report', { token: edge.token, body: { appliedSeq: 0 } });
      assert.equal((await t.call('GET', '/api/edges/edge-c')).body.status, 'live');
      const list = await t.call('GET', '/api/edges?limit=2');
      assert.equal(list.status, 200);
      assert.equal(list.body.items.length, 2);
      assert.ok(list.body.nextCursor);
      assert.equal(list.body.items[0].lastSeq, await t.cp.routeFeed.refresh());
      const feed = await t.call('GET', '/api/route-feed');
      assert.deepEqual(feed.body, { lastSeq: list.body.items[0].lastSeq, publicKey: t.cp.routeFeed.publicKeyText });
      assert.equal((await t.call('GET', '/api/route-feed', { token: null })).status, 401);
      assert.equal((await t.call('GET', '/api/edges/nobody')).status, 404);
    });

    test('the route-events stream sends the backlog and then live events over a real socket; a gap policy change and app deletion reach it', async () => {
      const { body: edge } = await register('edge-d');
      const base = await t.cp.listen('127.0.0.1', 0);
      const head = await t.cp.routeFeed.refresh();
      const bad = await t.call('GET', '/api/edges/route-events?after=minus-one', { token: edge.token });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_query');
      const stream = await openEventStream(`${base}/api/edges/route-events?after=${head - 2}`, edge.token);
      try {
        assert.equal(stream.response.statusCode, 200);
        assert.match(String(stream.response.headers['content-type']), /text\/event-stream/);
        await eventually(() => stream.events.length >= 2, { timeoutMs: 10_000, message: 'the backlog arrived' });
        const live = await swap('live.localhost');
        await eventually(() => stream.events.some((e) => e.id === live), { timeoutMs: 10_000, message: 'the live event arrived' });
        // A gap policy set on the environment reaches the stream as route.policy, the owners unchanged.
        const owners = await t.cp.db.query('SELECT hostname, deployment_id, epoch FROM route_owners WHERE environment_id = $1 ORDER BY hostname', [app.production]);
        assert.equal((await t.call('PATCH', '/api/apps/edgy/environments/production', { body: { gapPolicy: 'keep_last_owner' } })).status, 200);
        const policies = await eventually(() => {
          const found = stream.events.map((e) => JSON.parse(e.document.body)).filter((e) => e.type === 'route.policy');
          return found.length === owners.length ? found : undefined;
        }, { timeoutMs: 10_000, message: 'route.policy arrived for every route of the environment' });
        assert.deepEqual(policies.map((e) => [e.hostname, e.epoch, e.policy.gapPolicy]), owners.map((o) => [o.hostname, o.epoch, 'keep_last_owner']));
        assert.deepEqual(await t.cp.db.query('SELECT hostname, deployment_id, epoch FROM route_owners WHERE environment_id = $1 ORDER BY hostname', [app.production]), owners);
        assert.equal((await t.call('DELETE', '/api/apps/edgy')).status, 204);
        const removed = await eventually(() => stream.events.find((e) => JSON.parse(e.document.body).type === 'route.removed'), { timeoutMs: 10_000, message: 'route.removed arrived' });
        const ids = stream.events.map((e) => e.id);
        assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => head - 1 + i), 'in order, no gap, no duplicate');
        const publicKey = parseRoutePublicKey(t.cp.routeFeed.publicKeyText).publicKey;
        for (const e of stream.events) {
          const verified = verifyEvent(e.document, publicKey);
          assert.ok(verified.ok);
          assert.equal(verified.event.seq, e.id);
        }
        assert.ok(removed.id > live);
      } finally {
        stream.close();
      }
    });
  });
}
