import { BerthError } from '@berth/core';
import type { Db, Queryable } from '../store/db.js';
import { secretAad, type SecretBox } from './secret-box.js';

/**
 * Secrets of one environment, sealed at rest. Everything here but `resolveSecrets` deals in
 * names and timestamps only; `resolveSecrets` opens values for the deploy gates and the runner,
 * and is never reachable over HTTP.
 */
export interface SecretRecord {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The id of the API token (or the actor) that last set it. */
  updatedBy: string;
}

interface SecretRow {
  name: string;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

const columns = 'name, created_at, updated_at, updated_by';
const toSecret = (row: SecretRow): SecretRecord => ({ name: row.name, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(), updatedBy: row.updated_by });

/** PostgreSQL (pg) returns bytea as a Buffer and PGlite as a Uint8Array; callers get a Buffer from both. */
export function byteaToBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}

export interface SecretWrite {
  environmentId: string;
  name: string;
  value: string;
  actor: string;
  now: Date;
}

/** Sets a secret, creating or replacing it; creation time survives a replacement. */
export async function setSecret(db: Queryable, box: SecretBox, write: SecretWrite): Promise<SecretRecord> {
  const sealed = box.seal(write.value, secretAad(write.environmentId, write.name));
  const [row] = await db.query<SecretRow>(
    `INSERT INTO secrets (environment_id, name, sealed, created_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $4, $5)
     ON CONFLICT (environment_id, name) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
     RETURNING ${columns}`,
    [write.environmentId, write.name, sealed, write.now, write.actor],
  );
  return toSecret(row!);
}

/** Removes a secret; false when there was none. */
export async function unsetSecret(db: Queryable, environmentId: string, name: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM secrets WHERE environment_id = $1 AND name = $2 RETURNING name', [environmentId, name]);
  return rows.length === 1;
}

/** Names and timestamps, by name, after `afterName` (keyset paging). Never values. */
export async function listSecrets(db: Queryable, environmentId: string, afterName: string | undefined, limit: number): Promise<SecretRecord[]> {
  const rows = await db.query<SecretRow>(`SELECT ${columns} FROM secrets WHERE environment_id = $1 AND name > $2 ORDER BY name LIMIT $3`, [environmentId, afterName ?? '', limit]);
  return rows.map(toSecret);
}

export interface SecretChanges {
  set?: Record<string, string>;
  unset?: string[];
}

/**
 * Sets and unsets several secrets in one transaction: all of them land, or none. Unsetting a name
 * that is not set is not an error (a declarative sync may send it); the answer lists only the names
 * that were removed.
 */
export async function applySecretChanges(db: Db, box: SecretBox, environmentId: string, changes: SecretChanges, actor: string, now: Date): Promise<{ set: SecretRecord[]; unset: string[] }> {
  return db.transaction(async (tx) => {
    const set: SecretRecord[] = [];
    for (const [name, value] of Object.entries(changes.set ?? {})) set.push(await setSecret(tx, box, { environmentId, name, value, actor, now }));
    const unset: string[] = [];
    for (const name of changes.unset ?? []) if (await unsetSecret(tx, environmentId, name)) unset.push(name);
    return { set, unset };
  });
}

/**
 * The plaintext values of `names` for one environment, and the names that are not set (the deploy
 * gate "secrets bound" fails on those). A value that does not open (another master key, an altered
 * row) is an error naming the secret and environment, never a silently missing secret.
 */
export async function resolveSecrets(db: Queryable, box: SecretBox, environmentId: string, names: readonly string[]): Promise<{ values: Record<string, string>; missing: string[] }> {
  const wanted = [...new Set(names)];
  const rows = wanted.length === 0 ? [] : await db.query<{ name: string; sealed: unknown }>('SELECT name, sealed FROM secrets WHERE environment_id = $1 AND name = ANY($2::text[])', [environmentId, wanted]);
  const values: Record<string, string> = {};
  for (const row of rows) {
    try {
      values[row.name] = box.open(byteaToBuffer(row.sealed), secretAad(environmentId, row.name));
    } catch (error) {
      if (!(error instanceof BerthError)) throw error;
      throw new BerthError(error.code, `Secret ${row.name} of environment ${environmentId}: ${error.message}`, { suggestion: error.suggestion, details: { environmentId, secret: row.name } });
    }
  }
  return { values, missing: wanted.filter((name) => !Object.hasOwn(values, name)) };
}
