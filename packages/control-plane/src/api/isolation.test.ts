import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../testing/index.js';

/**
 * A token of one organization gets 404 for another organization's apps and operations, on every
 * endpoint: the endpoints are read from the OpenAPI document, so a new one is covered without
 * anyone remembering to add it here.
 */
describe('organization isolation', () => {
  let t: TestControlPlane;
  let tokenB: string;
  const a: Record<string, string> = {};

  before(async () => {
    t = await startTestControlPlane();
    const whoami = await t.call('GET', '/api/whoami');
    const app = await t.call('POST', '/api/apps', { body: { name: 'secret-shop' } });
    const op = await t.cp.engine.create({ orgId: whoami.body.organization.id, kind: 'database_migration', subject: { type: 'app', id: app.body.id }, actor: 'test' });
    const token = await t.call('POST', '/api/tokens', { body: { name: 'a-member' } });
    const deployment = await t.call('POST', `/api/apps/${app.body.name}/deployments`, { body: { git: { url: 'file:///nonexistent/repo', ref: 'main' } } });
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));
    const orgId = whoami.body.organization.id;
    await t.cp.db.query("INSERT INTO hosts (id, name, region, cpus, memory_bytes, runner_version, status, created_at, updated_at) VALUES ('host_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'h1', 'default', 1, 1073741824, 'test', 'ready', now(), now())");
    const allocOp = await t.cp.engine.create({ orgId, kind: 'allocation', subject: { type: 'allocation', id: 'alloc_01ARZ3NDEKTSV4RRFFQ69G5FAV' }, actor: 'test' });
    const [env] = await t.cp.db.query<{ id: string }>('SELECT id FROM environments WHERE app_id = $1', [app.body.id]);
    await t.cp.db.query("INSERT INTO allocations (id, operation_id, org_id, app_id, environment_id, deployment_id, host_id, digest, memory_bytes, created_at, updated_at) VALUES ('alloc_01ARZ3NDEKTSV4RRFFQ69G5FAV', $1, $2, $3, $4, $5, 'host_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'sha256:x', 1, now(), now())", [allocOp.operation.id, orgId, app.body.id, env!.id, deployment.body.id]);
    Object.assign(a, { appName: app.body.name, appId: app.body.id, opId: op.operation.id, tokenId: token.body.token.id, deploymentId: deployment.body.id, allocationId: 'alloc_01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    const orgB = await t.call('POST', '/api/orgs', { body: { name: 'other-org' } });
    assert.equal(orgB.status, 201);
    tokenB = orgB.body.secret;
  });
  after(async () => t?.close());

  test('every endpoint with a path parameter answers 404 to the other organization', async () => {
    const doc = (await t.call('GET', '/api/openapi.json', { token: null })).body as { paths: Record<string, Record<string, unknown>> };
    const substitutions: Array<Record<string, string>> = [
      { app: a.appName!, env: 'production', id: a.opId! },
      { app: a.appId!, env: 'production', id: a.opId! },
    ];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      // Hosts, runners and edges are the platform's, not an organization's: other tests cover who may reach them.
      if (path.startsWith('/api/runners/') || path.startsWith('/api/hosts/') || path.startsWith('/api/edges/')) continue;
      for (const method of Object.keys(methods)) {
        for (const values of substitutions) {
          const id = path.startsWith('/api/tokens/') ? a.tokenId! : path.startsWith('/api/deployments/') ? a.deploymentId! : path.startsWith('/api/allocations/') ? a.allocationId! : values.id!;
          const url = path.replace('{app}', values.app!).replace('{env}', values.env!).replace('{id}', id);
          const res = await t.call(method.toUpperCase(), url, { token: tokenB, ...(method === 'post' ? { body: {} } : method === 'put' ? { body: { count: 1 } } : {}) });
          assert.equal(res.status, 404, `${method.toUpperCase()} ${url} answered ${res.status} to another organization`);
          assert.equal(res.body.error.code, 'not_found');
          checked++;
        }
      }
    }
    assert.ok(checked >= 8, `checked ${checked} endpoint calls`);
    // And the owner still sees everything.
    assert.equal((await t.call('GET', `/api/apps/${a.appName}`)).status, 200);
    assert.equal((await t.call('GET', `/api/operations/${a.opId}`)).status, 200);
  });

  test('lists show only the caller\'s organization', async () => {
    const apps = await t.call('GET', '/api/apps', { token: tokenB });
    assert.deepEqual(apps.body.items, []);
    const ops = await t.call('GET', '/api/operations', { token: tokenB });
    assert.deepEqual(ops.body.items, []);
    const tokens = await t.call('GET', '/api/tokens', { token: tokenB });
    assert.ok(!tokens.body.items.some((tok: { id: string }) => tok.id === a.tokenId));
    const filtered = await t.call('GET', `/api/operations?subject=${a.appId}`, { token: tokenB });
    assert.deepEqual(filtered.body.items, []);
  });

  test('another organization\'s admin cannot see or cordon hosts', async () => {
    assert.equal((await t.call('GET', '/api/hosts', { token: tokenB })).status, 403);
    assert.equal((await t.call('POST', '/api/hosts/h1/cordon', { token: tokenB })).status, 403);
    assert.equal((await t.call('POST', '/api/runners/join-tokens', { token: tokenB, body: {} })).status, 403);
    assert.equal((await t.call('GET', '/api/hosts/h1')).status, 200, 'the platform admin can');
    assert.equal((await t.call('GET', '/api/edges', { token: tokenB })).status, 403);
    assert.equal((await t.call('GET', '/api/route-feed', { token: tokenB })).status, 403);
  });

  test('a member token of another organization cannot create organizations', async () => {
    const member = await t.call('POST', '/api/tokens', { body: { name: 'b-member', role: 'member' }, token: tokenB });
    const res = await t.call('POST', '/api/orgs', { body: { name: 'third' }, token: member.body.secret });
    assert.equal(res.status, 403);
  });
});
