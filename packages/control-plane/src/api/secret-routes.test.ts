import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '@berth/core';
import { createSecretBox } from '../secrets/secret-box.js';
import { resolveSecrets } from '../secrets/secrets-store.js';
import { startTestControlPlane, storeBackends, type TestControlPlane } from '../testing/index.js';
import { buildApi } from './build-api.js';

type Answer = { status: number; body: any; text: string };

// Until control-plane.ts builds its API with a SecretBox, these tests build a second API on the
// test control plane's store, with a box of their own, and call it with inject().
for (const { backend, skip } of await storeBackends()) {
  describe(`secrets API on ${backend}`, { skip }, () => {
    let t: TestControlPlane;
    let api: FastifyInstance;
    let unconfigured: FastifyInstance;
    const box = createSecretBox(randomBytes(32));
    const logs: string[] = [];
    /** Every value sent; no answer and no log line may ever contain one. */
    const sent: string[] = [];
    const base = '/api/apps/vault/environments/production/secrets';
    const secretValue = () => {
      const v = `sv-${randomBytes(12).toString('hex')}`;
      sent.push(v);
      return v;
    };

    async function call(method: string, url: string, options: { body?: unknown; token?: string; on?: FastifyInstance } = {}): Promise<Answer> {
      const res = await (options.on ?? api).inject({
        method: method as 'GET', url,
        headers: { authorization: `Bearer ${options.token ?? t.adminToken}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
      });
      for (const v of sent) assert.ok(!res.body.includes(v), `${method} ${url} answered with a secret value`);
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
    }

    before(async () => {
      t = await startTestControlPlane({ backend });
      const deps = { db: t.cp.db, clock: systemClock, engine: t.cp.engine, log: (line: string) => logs.push(line) };
      api = await buildApi({ ...deps, secrets: box });
      unconfigured = await buildApi(deps);
      assert.equal((await call('POST', '/api/apps', { body: { name: 'vault' } })).status, 201);
    });
    after(async () => {
      await api?.close();
      await unconfigured?.close();
      await t?.close();
    });

    test('set, list, replace and unset; answers carry names and times only', async () => {
      const put = await call('PUT', `${base}/API_KEY`, { body: { value: secretValue() } });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(Object.keys(put.body).sort(), ['createdAt', 'name', 'updatedAt', 'updatedBy']);
      assert.equal(put.body.name, 'API_KEY');
      assert.match(put.body.updatedBy, /^tok_/);
      const replaced = await call('PUT', `${base}/API_KEY`, { body: { value: secretValue() } });
      assert.equal(replaced.body.createdAt, put.body.createdAt);
      const list = await call('GET', base);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((s: { name: string }) => s.name), ['API_KEY']);
      assert.equal(list.body.nextCursor, null);
      const envId = (await call('GET', '/api/apps/vault/environments/production')).body.id as string;
      assert.equal((await call('GET', `/api/apps/vault/environments/${envId}/secrets`)).body.items.length, 1, 'the environment by id');
      assert.deepEqual((await resolveSecrets(t.cp.db, box, envId, ['API_KEY'])).values, { API_KEY: sent.at(-1) });
      assert.equal((await call('DELETE', `${base}/API_KEY`)).status, 204);
      const gone = await call('DELETE', `${base}/API_KEY`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'not_found');
      assert.match(gone.body.error.message, /has no secret API_KEY/);
      assert.deepEqual((await call('GET', base)).body.items, []);
    });

    test('bulk set and unset in one request', async () => {
      await call('PUT', `${base}/OLD`, { body: { value: secretValue() } });
      const res = await call('PATCH', base, { body: { set: { DB_URL: secretValue(), SMTP_PASSWORD: secretValue() }, unset: ['OLD', 'NEVER_SET'] } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.set.map((s: { name: string }) => s.name), ['DB_URL', 'SMTP_PASSWORD']);
      assert.deepEqual(res.body.unset, ['OLD']);
      const both = await call('PATCH', base, { body: { set: { DB_URL: secretValue() }, unset: ['DB_URL'] } });
      assert.equal(both.status, 400);
      assert.match(both.body.error.message, /both in set and in unset/);
    });

    test('lists are paginated with a cursor', async () => {
      await call('PATCH', base, { body: { set: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((n) => [n, secretValue()])) } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Answer = await call('GET', `${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items.map((s: { name: string }) => s.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.filter((n) => n.startsWith('P')), ['P1', 'P2', 'P3', 'P4', 'P5']);
    });

    test('bad names are refused with a hint, and nothing is written', async () => {
      const lower = await call('PUT', `${base}/api_key`, { body: { value: secretValue() } });
      assert.equal(lower.status, 400);
      assert.match(lower.body.error.message, /did you mean "API_KEY"/);
      for (const name of ['1ABC', 'A-B', '_%C3%89']) assert.equal((await call('PUT', `${base}/${name}`, { body: { value: secretValue() } })).status, 400, name);
      // Fastify refuses path parameters over 100 characters (414) before any handler runs, so the
      // 128-character limit is checked through the bulk endpoint.
      assert.equal((await call('PATCH', base, { body: { set: { ['L'.repeat(129)]: secretValue() } } })).status, 400);
      assert.equal((await call('PATCH', base, { body: { set: { ['L'.repeat(128)]: secretValue() } } })).status, 200);
      assert.equal((await call('PATCH', base, { body: { set: { GOOD: secretValue(), 'bad name': secretValue() } } })).status, 400);
      assert.equal((await call('PATCH', base, { body: { unset: ['no-good'] } })).status, 400);
      const names = (await call('GET', `${base}?limit=200`)).body.items.map((s: { name: string }) => s.name);
      assert.ok(!names.includes('GOOD') && !names.includes('api_key'));
    });

    test('oversized and mistyped values are refused without being echoed', async () => {
      const marker = secretValue();
      const cases: Array<[string, string, unknown]> = [
        ['PUT', `${base}/BIG`, { value: marker + 'x'.repeat(65536) }],
        ['PUT', `${base}/BIG`, { value: marker + '€'.repeat(30000) }], // under 65536 characters, over 65536 bytes
        ['PUT', `${base}/BIG`, { value: { nested: marker } }],
        ['PUT', `${base}/BIG`, { value: [marker] }], // the API's validator would coerce this to a string
        ['PUT', `${base}/BIG`, { value: 12345 }],
        ['PATCH', base, { set: { BIG: 12345 } }],
        ['PATCH', base, { set: { BIG: marker + 'x'.repeat(65536) } }],
      ];
      for (const [method, url, body] of cases) {
        const res = await call(method, url, { body });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error.code, 'invalid_body');
        assert.match(res.body.error.message, /(value|set\.BIG): must be a string of at most 65536 bytes/);
      }
      for (const [method, url, body] of [['PUT', `${base}/BIG`, { vaule: marker }], ['PUT', `${base}/BIG`, {}], ['PATCH', base, { set: marker }], ['PATCH', base, { sett: { A: marker } }]] as const) {
        const res = await call(method, url, { body });
        assert.equal(res.status, 400, res.text);
      }
      assert.equal((await call('PUT', `${base}/EXACT`, { body: { value: 'x'.repeat(65536) } })).status, 200);
      assert.equal((await call('GET', base)).body.items.some((s: { name: string }) => s.name === 'BIG'), false);
    });

    test('another organization gets 404 on every secrets endpoint and sees nothing', async () => {
      await call('PUT', `${base}/THEIRS`, { body: { value: secretValue() } });
      const other = await call('POST', '/api/orgs', { body: { name: 'intruders' } });
      const token = other.body.secret as string;
      for (const [method, url, body] of [['GET', base], ['PUT', `${base}/THEIRS`, { value: secretValue() }], ['PATCH', base, { unset: ['THEIRS'] }], ['DELETE', `${base}/THEIRS`]] as const) {
        const res = await call(method, url, { token, ...(body ? { body } : {}) });
        assert.equal(res.status, 404, `${method} ${url}`);
        assert.equal(res.body.error.code, 'not_found');
      }
      assert.ok((await call('GET', base)).body.items.some((s: { name: string }) => s.name === 'THEIRS'));
    });

    test('the table holds sealed bytes, never a plaintext value', async () => {
      const rows = await t.cp.db.query<{ name: string; sealed: Uint8Array; text: string }>("SELECT name, sealed, encode(sealed, 'escape') AS text, encode(sealed, 'hex') AS hex FROM secrets");
      assert.ok(rows.length >= 5);
      const dump = JSON.stringify(rows, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
      for (const v of sent) assert.ok(!dump.includes(v) && !dump.includes(Buffer.from(v).toString('hex')), 'a plaintext value is in the secrets table');
    });

    test('without a SecretBox, writes are refused as not configured; names still list', async () => {
      const res = await call('PUT', `${base}/NOPE`, { body: { value: secretValue() }, on: unconfigured });
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'secrets_not_configured');
      assert.match(res.body.error.message, /Secrets are not configured/);
      assert.equal((await call('GET', base, { on: unconfigured })).status, 200);
    });

    test('the endpoints are documented, and no log line holds a value', async () => {
      const doc = (await call('GET', '/api/openapi.json')).body;
      assert.ok(doc.paths['/api/apps/{app}/environments/{env}/secrets'].patch);
      assert.ok(doc.paths['/api/apps/{app}/environments/{env}/secrets/{name}'].put);
      assert.ok(sent.length >= 10);
      for (const line of logs) for (const v of sent) assert.ok(!line.includes(v), `log line holds a value: ${line.slice(0, 80)}`);
    });
  });
}
