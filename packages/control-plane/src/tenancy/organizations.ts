import { newId } from '@berth/core';
import type { Queryable } from '../store/db.js';

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: string;
}

interface OrgRow {
  id: string;
  name: string;
  created_at: Date;
}

const toOrg = (row: OrgRow): OrganizationRecord => ({ id: row.id, name: row.name, createdAt: row.created_at.toISOString() });

/** Inserts an organization; undefined when the name is taken. */
export async function createOrganization(db: Queryable, name: string, now: Date): Promise<OrganizationRecord | undefined> {
  const [row] = await db.query<OrgRow>('INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING *', [newId('org', now.getTime()), name, now]);
  return row ? toOrg(row) : undefined;
}

export async function findOrganization(db: Queryable, id: string): Promise<OrganizationRecord | undefined> {
  const [row] = await db.query<OrgRow>('SELECT * FROM organizations WHERE id = $1', [id]);
  return row ? toOrg(row) : undefined;
}

export async function countOrganizations(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM organizations');
  return row?.n ?? 0;
}
