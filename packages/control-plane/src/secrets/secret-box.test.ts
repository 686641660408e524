import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { createSecretBox, secretAad } from './secret-box.js';

const key = randomBytes(32);
const box = createSecretBox(key);
const plaintext = 'postgres://app:s3cr3t-Ünïcode-🔑@db/app';
const aad = secretAad('env_01JTEST', 'DATABASE_URL');

/** A refusal must not carry the plaintext or any spelling of the key. */
function assertSilent(error: unknown): true {
  const e = error as Error & { code?: string; suggestion?: string };
  assert.equal(e.code, 'secret_unreadable');
  const text = `${e.message} ${e.suggestion} ${e.stack} ${JSON.stringify(e)}`;
  for (const forbidden of [plaintext, 's3cr3t', key.toString('hex'), key.toString('base64')]) assert.ok(!text.includes(forbidden), `error mentions ${forbidden.slice(0, 6)}...`);
  return true;
}

describe('secret box', () => {
  test('seal then open returns the plaintext, for any UTF-8 and the empty string', () => {
    for (const value of [plaintext, '', 'x'.repeat(65536), '\u0000nul\u0000']) assert.equal(box.open(box.seal(value, aad), aad), value);
  });

  test('each seal uses a fresh nonce, and the sealed bytes do not contain the plaintext', () => {
    const a = box.seal(plaintext, aad);
    const b = box.seal(plaintext, aad);
    assert.ok(!a.equals(b));
    assert.ok(!a.subarray(2, 14).equals(b.subarray(2, 14)), 'nonces differ');
    assert.equal(a.indexOf(Buffer.from(plaintext)), -1);
    assert.equal(a.indexOf(Buffer.from('s3cr3t')), -1);
    assert.deepEqual([a[0], a[1]], [1, 1], 'format and key id prefix');
    assert.equal(a.length, 2 + 12 + Buffer.byteLength(plaintext) + 16);
  });

  test('flipping any bit of the header, nonce, ciphertext or tag is detected, without revealing anything', () => {
    const sealed = box.seal(plaintext, aad);
    for (const at of [0, 1, 2, 13, 14, 20, sealed.length - 17, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 0x01;
      assert.throws(() => box.open(tampered, aad), assertSilent, `byte ${at}`);
    }
    assert.throws(() => box.open(sealed.subarray(0, 20), aad), assertSilent, 'truncated');
    assert.throws(() => box.open(Buffer.alloc(0), aad), assertSilent, 'empty');
  });

  test('a sealed value opens only for the environment and name it was sealed for', () => {
    const sealed = box.seal(plaintext, aad);
    assert.throws(() => box.open(sealed, secretAad('env_01JOTHER', 'DATABASE_URL')), assertSilent);
    assert.throws(() => box.open(sealed, secretAad('env_01JTEST', 'OTHER_NAME')), assertSilent);
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    assert.notEqual(secretAad('env_a', 'BC'), secretAad('env_aB', 'C'));
  });

  test('another master key cannot open it; a rotated box opens old values with the previous key', () => {
    const sealed = box.seal(plaintext, aad);
    const otherKey = randomBytes(32);
    assert.throws(() => createSecretBox(otherKey).open(sealed, aad), assertSilent);
    const rotated = createSecretBox(otherKey, { keyId: 2, previous: { 1: key } });
    assert.equal(rotated.open(sealed, aad), plaintext);
    const fresh = rotated.seal(plaintext, aad);
    assert.equal(fresh[1], 2);
    assert.throws(() => box.open(fresh, aad), (error: Error) => assertSilent(error) && /master key id 2/.test(error.message));
  });

  test('the fingerprint tells keys apart without revealing them', () => {
    assert.equal(box.fingerprint(), createSecretBox(key).fingerprint());
    assert.notEqual(box.fingerprint(), createSecretBox(randomBytes(32)).fingerprint());
    assert.match(box.fingerprint(), /^1:[0-9a-f]{32}$/);
    assert.ok(!key.toString('hex').includes(box.fingerprint().slice(2)));
  });

  test('printing the box does not print the key', () => {
    const printed = `${inspect(box, { showHidden: true, depth: 5 })} ${JSON.stringify(box)}`;
    assert.ok(!printed.includes(key.toString('hex')) && !printed.includes(key.toString('base64')));
  });

  test('a key of the wrong length or a bad key id is refused', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), { code: 'invalid_config' });
    assert.throws(() => createSecretBox(key, { keyId: 256 }), { code: 'invalid_config' });
  });
});
