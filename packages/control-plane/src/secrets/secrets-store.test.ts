import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../apps/apps.js';
import { createOrganization } from '../tenancy/organizations.js';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { checkMasterKey } from './key-check.js';
import { createSecretBox, type SecretBox } from './secret-box.js';
import { applySecretChanges, byteaToBuffer, listSecrets, resolveSecrets, setSecret, unsetSecret } from './secrets-store.js';

// The same suite runs on PGlite and on PostgreSQL (when it answers, or always under
// BERTH_TEST_REQUIRE=postgres).
for (const { backend, skip } of await storeBackends()) {
  describe(`secrets store on ${backend}`, { skip }, () => {
    let t: TestDb;
    let envId: string;
    const key = randomBytes(32);
    const box = createSecretBox(key);
    const now = new Date('2026-03-01T10:00:00Z');
    const value = `pw-${randomBytes(8).toString('hex')}`;

    before(async () => {
      t = await openTestDb(backend);
      const org = await createOrganization(t.db, 'store-org', now);
      const created = await createApp(t.db, org!.id, 'store-app', now);
      envId = created!.environments[0]!.id;
    });
    after(async () => t?.dispose());

    test('set, replace, list and unset; replacing keeps the creation time', async () => {
      const first = await setSecret(t.db, box, { environmentId: envId, name: 'API_KEY', value, actor: 'tok_a', now });
      assert.deepEqual(first, { name: 'API_KEY', createdAt: now.toISOString(), updatedAt: now.toISOString(), updatedBy: 'tok_a' });
      const later = new Date(now.getTime() + 60_000);
      const second = await setSecret(t.db, box, { environmentId: envId, name: 'API_KEY', value: `${value}-2`, actor: 'tok_b', now: later });
      assert.deepEqual(second, { name: 'API_KEY', createdAt: now.toISOString(), updatedAt: later.toISOString(), updatedBy: 'tok_b' });
      assert.deepEqual((await listSecrets(t.db, envId, undefined, 10)).map((s) => s.name), ['API_KEY']);
      assert.equal(await unsetSecret(t.db, envId, 'API_KEY'), true);
      assert.equal(await unsetSecret(t.db, envId, 'API_KEY'), false);
    });

    test('bytea reads back as a Buffer whose bytes are sealed, not the plaintext', async () => {
      await setSecret(t.db, box, { environmentId: envId, name: 'STORED', value, actor: 'tok_a', now });
      const [row] = await t.db.query<{ sealed: unknown; text: string }>("SELECT sealed, encode(sealed, 'escape') AS text FROM secrets WHERE environment_id = $1 AND name = 'STORED'", [envId]);
      const sealed = byteaToBuffer(row!.sealed);
      assert.ok(Buffer.isBuffer(sealed));
      assert.equal(sealed[0], 1);
      assert.equal(sealed.indexOf(Buffer.from(value)), -1);
      assert.ok(!row!.text.includes(value));
      assert.equal(box.open(sealed, `berth-secret\0${envId}\0STORED`), value);
    });

    test('resolve returns the values asked for and names the missing ones', async () => {
      await applySecretChanges(t.db, box, envId, { set: { A: 'alpha', B: '' } }, 'tok_a', now);
      const resolved = await resolveSecrets(t.db, box, envId, ['A', 'B', 'NOPE', 'A', 'constructor']);
      assert.deepEqual(resolved, { values: { A: 'alpha', B: '' }, missing: ['NOPE', 'constructor'] });
      assert.deepEqual(await resolveSecrets(t.db, box, envId, []), { values: {}, missing: [] });
    });

    test('a sealed value moved to another row does not decrypt, and the error names the row, not the value', async () => {
      await applySecretChanges(t.db, box, envId, { set: { FROM_ROW: value, TO_ROW: 'other' } }, 'tok_a', now);
      await t.db.query("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE environment_id = $1 AND name = 'FROM_ROW') WHERE environment_id = $1 AND name = 'TO_ROW'", [envId]);
      await assert.rejects(resolveSecrets(t.db, box, envId, ['TO_ROW']), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'secret_unreadable');
        assert.match(error.message, new RegExp(`Secret TO_ROW of environment ${envId}`));
        assert.ok(!error.message.includes(value));
        return true;
      });
      await unsetSecret(t.db, envId, 'TO_ROW');
    });

    test('a control plane with another master key cannot read the secrets', async () => {
      await assert.rejects(resolveSecrets(t.db, createSecretBox(randomBytes(32)), envId, ['A']), { code: 'secret_unreadable' });
    });

    test('bulk changes are one transaction: a failure part-way leaves nothing changed', async () => {
      let seals = 0;
      const failing: SecretBox = { ...box, seal: (plain, aad) => (++seals === 2 ? (() => { throw new Error('disk full'); })() : box.seal(plain, aad)) };
      await assert.rejects(applySecretChanges(t.db, failing, envId, { set: { FIRST: 'one', SECOND: 'two' }, unset: ['A'] }, 'tok_a', now), /disk full/);
      const names = (await listSecrets(t.db, envId, undefined, 50)).map((s) => s.name);
      assert.ok(!names.includes('FIRST'));
      assert.ok(names.includes('A'));
      const result = await applySecretChanges(t.db, box, envId, { set: { FIRST: 'one' }, unset: ['A', 'NEVER_SET'] }, 'tok_a', now);
      assert.deepEqual({ set: result.set.map((s) => s.name), unset: result.unset }, { set: ['FIRST'], unset: ['A'] });
    });

    test('the master key check records the first key and refuses another', async () => {
      assert.equal(await checkMasterKey(t.db, box, now), 'recorded');
      assert.equal(await checkMasterKey(t.db, createSecretBox(key), now), 'matched');
      await assert.rejects(checkMasterKey(t.db, createSecretBox(randomBytes(32)), now), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'master_key_mismatch');
        assert.match(error.message, /not the one this store's secrets were sealed with/);
        return true;
      });
    });

    test('secrets go with their environment', async () => {
      await t.db.query('DELETE FROM environments WHERE id = $1', [envId]);
      assert.deepEqual(await t.db.query('SELECT name FROM secrets WHERE environment_id = $1', [envId]), []);
    });
  });
}
