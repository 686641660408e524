import type { Queryable } from '../store/db.js';

/**
 * Build output, kept with the deployment. Chunks are appended as they arrive and read back in
 * order; the CLI follows them live through the deployment's stream.
 */
export interface BuildLogChunk {
  seq: number;
  at: string;
  text: string;
}

export async function appendBuildLog(db: Queryable, deploymentId: string, text: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO build_logs (deployment_id, seq, at, text)
     VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM build_logs WHERE deployment_id = $1), $2, $3)`,
    [deploymentId, now, text],
  );
}

export async function readBuildLog(db: Queryable, deploymentId: string, afterSeq = 0, limit = 1000): Promise<BuildLogChunk[]> {
  const rows = await db.query<{ seq: number; at: Date; text: string }>('SELECT seq, at, text FROM build_logs WHERE deployment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [deploymentId, afterSeq, limit]);
  return rows.map((row) => ({ seq: row.seq, at: row.at.toISOString(), text: row.text }));
}
