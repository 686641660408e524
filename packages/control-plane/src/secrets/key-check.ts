import { BerthError } from '@berth/core';
import type { Queryable } from '../store/db.js';
import type { SecretBox } from './secret-box.js';

/**
 * Refuses to start with a master key other than the one this store's secrets were sealed with.
 * The first control plane to start on a store records its key's fingerprint; every later start
 * (on this host or another sharing the PostgreSQL) compares. Without this, a lost key file or a
 * second control plane that generated its own key would surface only at the next deploy, as
 * secrets that no longer decrypt.
 */
export async function checkMasterKey(db: Queryable, box: SecretBox, now: Date): Promise<'recorded' | 'matched'> {
  const fingerprint = box.fingerprint();
  const inserted = await db.query(
    'INSERT INTO secret_keys (key_id, fingerprint, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING RETURNING key_id',
    [box.keyId, fingerprint, now],
  );
  if (inserted.length === 1) return 'recorded';
  const [row] = await db.query<{ fingerprint: string; created_at: Date }>('SELECT fingerprint, created_at FROM secret_keys WHERE key_id = $1', [box.keyId]);
  if (row?.fingerprint === fingerprint) return 'matched';
  throw new BerthError('master_key_mismatch', `The master key is not the one this store's secrets were sealed with (key id ${box.keyId}, first used ${row?.created_at.toISOString() ?? 'earlier'}).`, {
    suggestion: 'Start with the BERTH_MASTER_KEY (or <data dir>/master-key) used before; every control plane sharing a store must hold the same key.',
  });
}
