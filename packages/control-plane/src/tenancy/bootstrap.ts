import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db.js';
import { countOrganizations, createOrganization } from './organizations.js';
import { createToken } from './tokens.js';

/** The advisory lock that makes two control planes starting together bootstrap once. */
const bootstrapLockKey = 727_274_002;

/**
 * At the first start, creates the default organization and an admin token for it, and writes the
 * token to `<dataDir>/admin-token` with mode 0600. It is never printed. Later starts do nothing:
 * a lost token is replaced with `berth tokens create` by another admin, not regenerated here.
 */
export async function bootstrap(db: Db, dataDir: string, now: Date): Promise<{ created: boolean; tokenFile: string }> {
  const tokenFile = join(dataDir, 'admin-token');
  const secret = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [bootstrapLockKey]);
    if ((await countOrganizations(tx)) > 0) return undefined;
    const org = await createOrganization(tx, 'default', now);
    const { secret } = await createToken(tx, org!.id, 'admin (created at first start)', 'admin', now);
    // Written inside the transaction: if the file cannot be written, nothing is committed and the
    // next start tries again, rather than leaving an admin token nobody can read.
    writeFileSync(tokenFile, secret + '\n', { mode: 0o600 });
    return secret;
  });
  return { created: secret !== undefined, tokenFile };
}
