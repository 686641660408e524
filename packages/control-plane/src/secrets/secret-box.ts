import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { BerthError } from '@berth/core';
import { masterKeyBytes } from './master-key.js';

/**
 * Seals secret values for storage: AES-256-GCM, a fresh random 12-byte nonce per value, and the
 * caller's additional authenticated data (the environment id and secret name, see `secretAad`),
 * so a sealed value copied into another row, or altered by one bit, fails to open.
 *
 * Layout of a sealed value: [format 0x01][key id][nonce: 12][ciphertext][tag: 16]. The key id
 * names the master key that sealed it, so a later rotation can open old values with the previous
 * key while sealing new ones with the current key.
 */
export interface SecretBox {
  /** The key id new values are sealed with. */
  readonly keyId: number;
  seal(plaintext: string, aad: string): Buffer;
  /** The plaintext; throws a BerthError that names neither the plaintext nor the key when the value does not authenticate. */
  open(sealed: Uint8Array, aad: string): string;
  /** A one-way value that tells whether two control planes hold the same key; it reveals nothing about the key. */
  fingerprint(): string;
}

const formatVersion = 0x01;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = 2;

/** Binds a sealed value to its row. NUL cannot occur in an id or a secret name, so the join is unambiguous. */
export function secretAad(environmentId: string, name: string): string {
  return `berth-secret\0${environmentId}\0${name}`;
}

/**
 * The AES key is derived from the master key rather than being the master key itself, so that the
 * same master key can later serve other purposes (signing route snapshots) without two uses ever
 * sharing key material.
 */
function deriveKeys(masterKey: Uint8Array): { aes: Buffer; check: Buffer } {
  if (masterKey.length !== masterKeyBytes) throw new BerthError('invalid_config', `A master key must be ${masterKeyBytes} bytes.`);
  return {
    aes: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'berth/secrets/aes-256-gcm/v1', 32)),
    check: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'berth/secrets/key-check/v1', 32)),
  };
}

/**
 * A box sealing with `masterKey` under `keyId` (default 1). `previous` holds older keys by id, so
 * values sealed before a rotation still open.
 */
export function createSecretBox(masterKey: Uint8Array, options: { keyId?: number; previous?: Record<number, Uint8Array> } = {}): SecretBox {
  const keyId = options.keyId ?? 1;
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new BerthError('invalid_config', 'A master key id must be an integer from 0 to 255.');
  // Keys live only in this closure: nothing reachable from the returned object prints them.
  const keys = new Map<number, Buffer>();
  for (const [id, key] of Object.entries(options.previous ?? {})) keys.set(Number(id), deriveKeys(key).aes);
  const current = deriveKeys(masterKey);
  keys.set(keyId, current.aes);

  const unreadable = (why: string) =>
    new BerthError('secret_unreadable', `A stored secret could not be decrypted: ${why}.`, {
      suggestion: 'Check that BERTH_MASTER_KEY (or <data dir>/master-key) is the key the secrets were stored with; otherwise set the secret again.',
    });

  return {
    keyId,
    seal(plaintext, aad) {
      const header = Buffer.from([formatVersion, keyId]);
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv('aes-256-gcm', current.aes, nonce, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.concat([header, Buffer.from(aad, 'utf8')]));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
    },
    open(sealed, aad) {
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (bytes.length < headerBytes + nonceBytes + tagBytes || bytes[0] !== formatVersion) throw unreadable('it is not in a format this version of Berth knows');
      const key = keys.get(bytes[1]!);
      if (!key) throw unreadable(`it was sealed with master key id ${bytes[1]}, which this control plane does not hold`);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(headerBytes, headerBytes + nonceBytes), { authTagLength: tagBytes });
      decipher.setAAD(Buffer.concat([bytes.subarray(0, headerBytes), Buffer.from(aad, 'utf8')]));
      decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(headerBytes + nonceBytes, bytes.length - tagBytes)), decipher.final()]).toString('utf8');
      } catch {
        // The cipher's own error says nothing useful; ours names the likely causes instead.
        throw unreadable('it was sealed with another master key, belongs to another secret, or was altered');
      }
    },
    fingerprint() {
      return `${keyId}:${createHmac('sha256', current.check).update('berth key check').digest('hex').slice(0, 32)}`;
    },
  };
}
