import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { statSync } from 'node:fs';
import { startTestControlPlane, type TestControlPlane } from '../testing/index.js';

describe('API', () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane();
  });
  after(async () => t?.close());

  test('health and the OpenAPI document need no token', async () => {
    const health = await t.call('GET', '/api/health', { token: null });
    assert.equal(health.status, 200);
    assert.equal(health.body.store, 'pglite');
    const doc = await t.call('GET', '/api/openapi.json', { token: null });
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    for (const path of ['/api/apps', '/api/apps/{app}', '/api/operations', '/api/operations/{id}', '/api/operations/{id}/stream', '/api/tokens', '/api/orgs']) {
      assert.ok(doc.body.paths[path], `OpenAPI documents ${path}`);
    }
  });

  test('the admin token is written with mode 0600 at first start', () => {
    assert.equal(statSync(t.cp.tokenFile).mode & 0o777, 0o600);
    assert.match(t.adminToken, /^berth_[A-Za-z0-9_-]{43}$/);
  });

  test('no token, a malformed token and a wrong token are 401 with a code', async () => {
    for (const token of [null, 'nonsense', `berth_${'A'.repeat(43)}`]) {
      const res = await t.call('GET', '/api/apps', { token });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'unauthenticated');
      assert.ok(res.body.error.message.length > 0);
      assert.ok(res.body.error.suggestion.length > 0);
    }
  });

  test('apps: create with a production environment, show by name and id, list, delete', async () => {
    const created = await t.call('POST', '/api/apps', { body: { name: 'shop' } });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^app_/);
    assert.deepEqual(created.body.environments.map((e: { name: string; kind: string }) => [e.name, e.kind]), [['production', 'production']]);
    assert.equal((await t.call('GET', '/api/apps/shop')).body.id, created.body.id);
    assert.equal((await t.call('GET', `/api/apps/${created.body.id}`)).body.name, 'shop');
    const env = await t.call('GET', '/api/apps/shop/environments/production');
    assert.equal(env.status, 200);
    assert.equal(env.body.kind, 'production');
    const list = await t.call('GET', '/api/apps');
    assert.ok(list.body.items.some((a: { name: string }) => a.name === 'shop'));
    const again = await t.call('POST', '/api/apps', { body: { name: 'shop' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'name_taken');
    assert.equal((await t.call('DELETE', '/api/apps/shop')).status, 204);
    assert.equal((await t.call('GET', '/api/apps/shop')).status, 404);
    const [{ n }] = await t.cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM environments WHERE app_id = $1", [created.body.id]) as [{ n: number }];
    assert.equal(n, 0, 'environments went with the app');
  });

  test('lists are paginated with a cursor', async () => {
    for (const name of ['pa', 'pb', 'pc', 'pd', 'pe', 'pf', 'pg']) assert.equal((await t.call('POST', '/api/apps', { body: { name } })).status, 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Array<{ name: string }>; nextCursor: string | null } } = await t.call('GET', `/api/apps?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 3);
      seen.push(...res.body.items.map((a) => a.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.filter((n) => n.startsWith('p')), ['pa', 'pb', 'pc', 'pd', 'pe', 'pf', 'pg']);
    assert.equal((await t.call('GET', '/api/apps?cursor=garbage')).body.error.code, 'invalid_cursor');
    assert.equal((await t.call('GET', '/api/apps?limit=0')).status, 400);
    assert.equal((await t.call('GET', '/api/apps?limit=1000')).status, 400);
  });

  describe('bad input gets a clear 4xx and writes nothing', () => {
    async function appCount(): Promise<number> {
      const [row] = await t.cp.db.query<{ n: number }>('SELECT count(*)::int AS n FROM apps');
      return row!.n;
    }

    const cases: Array<{ name: string; request: Parameters<TestControlPlane['call']>; status: number; code: string; mentions?: RegExp }> = [
      { name: 'malformed JSON', request: ['POST', '/api/apps', { rawBody: '{"name": "x",' }], status: 400, code: 'invalid_json' },
      { name: 'an empty JSON body', request: ['POST', '/api/apps', { rawBody: '' , headers: { 'content-type': 'application/json' } }], status: 400, code: 'invalid_json' },
      { name: 'an unknown field', request: ['POST', '/api/apps', { body: { name: 'okname', colour: 'red' } }], status: 400, code: 'invalid_body', mentions: /unknown field "colour"/ },
      { name: 'a missing field', request: ['POST', '/api/apps', { body: {} }], status: 400, code: 'invalid_body', mentions: /"name" is required/ },
      { name: 'a wrong type', request: ['POST', '/api/apps', { body: { name: 42 } }], status: 400, code: 'invalid_body', mentions: /name/ },
      { name: 'a name with capitals', request: ['POST', '/api/apps', { body: { name: 'Shop' } }], status: 400, code: 'invalid_body', mentions: /name/ },
      { name: 'a name with a double hyphen', request: ['POST', '/api/apps', { body: { name: 'a--b' } }], status: 400, code: 'invalid_body', mentions: /--/ },
      { name: 'a body that is an array', request: ['POST', '/api/apps', { body: [1, 2] }], status: 400, code: 'invalid_body' },
      { name: 'a non-JSON content type', request: ['POST', '/api/apps', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }], status: 415, code: 'unsupported_media_type' },
      { name: 'an oversized body', request: ['POST', '/api/apps', { rawBody: JSON.stringify({ name: 'big', pad: 'x'.repeat(2 * 1024 * 1024) }) }], status: 413, code: 'body_too_large' },
      { name: 'a bad app id', request: ['GET', '/api/apps/app_!!', {}], status: 400, code: 'invalid_id' },
      { name: 'a bad operation id', request: ['GET', '/api/operations/op_nope', {}], status: 400, code: 'invalid_id' },
      { name: 'an unknown operation', request: ['GET', '/api/operations/op_01ARZ3NDEKTSV4RRFFQ69G5FAV', {}], status: 404, code: 'not_found' },
      { name: 'an unknown app', request: ['GET', '/api/apps/nosuchapp', {}], status: 404, code: 'not_found' },
      { name: 'an unknown query parameter', request: ['GET', '/api/apps?colour=red', {}], status: 400, code: 'invalid_query', mentions: /colour/ },
      { name: 'an unknown endpoint', request: ['GET', '/api/nothing-here', {}], status: 404, code: 'route_not_found' },
      { name: 'a bad Idempotency-Key', request: ['POST', '/api/apps', { body: { name: 'idem-bad' }, headers: { 'idempotency-key': 'x'.repeat(300) } }], status: 400, code: 'invalid_body' },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const before = await appCount();
        const res = await t.call(...c.request);
        assert.equal(res.status, c.status, JSON.stringify(res.body));
        assert.equal(res.body.error.code, c.code);
        assert.equal(typeof res.body.error.message, 'string');
        if (c.mentions) assert.match(res.body.error.message, c.mentions);
        assert.equal(await appCount(), before);
      });
    }
  });

  test('the same create sent twice with one Idempotency-Key creates one app', async () => {
    const headers = { 'idempotency-key': 'create-once-1' };
    const first = await t.call('POST', '/api/apps', { body: { name: 'once' }, headers });
    const second = await t.call('POST', '/api/apps', { body: { name: 'once' }, headers });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const reused = await t.call('POST', '/api/apps', { body: { name: 'other' }, headers });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    const [{ n }] = await t.cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM apps WHERE name IN ('once', 'other')") as [{ n: number }];
    assert.equal(n, 1);
  });

  test('concurrent creates with one Idempotency-Key: one app, the others replay or wait', async () => {
    const headers = { 'idempotency-key': 'create-race-1' };
    const results = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', '/api/apps', { body: { name: 'race' }, headers })));
    for (const r of results) assert.ok([201, 409].includes(r.status), `status ${r.status}`);
    assert.ok(results.some((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined));
    for (const r of results.filter((r) => r.status === 409)) assert.equal(r.body.error.code, 'idempotency_key_in_flight');
    const [{ n }] = await t.cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM apps WHERE name = 'race'") as [{ n: number }];
    assert.equal(n, 1);
  });

  test('a key whose first request never answered is taken over after five minutes', async () => {
    const orgId = (await t.call('GET', '/api/whoami')).body.organization.id;
    const { requestHash } = await import('../engine/request-hash.js');
    const hash = requestHash({ method: 'POST', path: '/api/apps', body: { name: 'orphan' } });
    await t.cp.db.query("INSERT INTO idempotent_requests (org_id, key, method, path, request_hash, created_at) VALUES ($1, 'orphaned-key', 'POST', '/api/apps', $2, now() - interval '10 minutes')", [orgId, hash]);
    const res = await t.call('POST', '/api/apps', { body: { name: 'orphan' }, headers: { 'idempotency-key': 'orphaned-key' } });
    assert.equal(res.status, 201);
    const fresh = await t.call('POST', '/api/apps', { body: { name: 'orphan' }, headers: { 'idempotency-key': 'orphaned-key' } });
    assert.equal(fresh.headers['idempotent-replayed'], 'true');
  });

  test('tokens: admins create member tokens; members cannot; secrets are never listed', async () => {
    const created = await t.call('POST', '/api/tokens', { body: { name: 'ci', role: 'member' } });
    assert.equal(created.status, 201);
    const member = created.body.secret as string;
    const listed = await t.call('GET', '/api/tokens');
    assert.ok(!JSON.stringify(listed.body).includes(member));
    assert.ok(!JSON.stringify(listed.body).includes(t.adminToken));
    assert.equal((await t.call('GET', '/api/apps', { token: member })).status, 200);
    const refused = await t.call('POST', '/api/tokens', { body: { name: 'x' }, token: member });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal((await t.call('DELETE', `/api/tokens/${created.body.token.id}`)).status, 204);
    assert.equal((await t.call('GET', '/api/apps', { token: member })).status, 401);
  });
});
