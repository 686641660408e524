/**
 * A whole control plane in its own process, for crash tests: it opens the data directory named by
 * BERTH_CHILD_DATA_DIR (PGlite), listens on 127.0.0.1 on a free port, and prints one JSON line
 * `{ "url": ..., "tokenFile": ... }`. SIGTERM stops it cleanly; the tests also SIGKILL it.
 */
import { systemClock } from '@berth/core';
import { startControlPlane } from '../control-plane.js';

const dataDir = process.env.BERTH_CHILD_DATA_DIR!;
const cp = await startControlPlane({ dataDir, store: { kind: 'pglite', dataDir }, clock: systemClock, leaseMs: Number(process.env.BERTH_CHILD_LEASE_MS ?? 1000) });
const url = await cp.listen('127.0.0.1', 0);
process.stdout.write(JSON.stringify({ url, tokenFile: cp.tokenFile, pid: process.pid }) + '\n');
process.once('SIGTERM', async () => {
  await cp.close();
  process.exit(0);
});
