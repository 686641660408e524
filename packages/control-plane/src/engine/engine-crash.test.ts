import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, tempDir } from '@berth/testkit';
import { openStore } from '../store/index.js';
import { openTestPostgres, storeBackends } from '../testing/index.js';
import { findOperation, listEvents } from './operations-store.js';

const childScript = fileURLToPath(new URL('../testing/engine-child.js', import.meta.url));

interface Child {
  process: ChildProcess;
  lines: Array<Record<string, any>>;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [childScript], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  return { process: child, lines };
}

async function kill(child: Child, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child.process, 'exit');
  child.process.kill(signal);
  await exited;
}

/**
 * A real child process runs the engine and is SIGKILLed in the middle of a multi-step operation;
 * a restarted one takes the operation over once the lease expires and drives it to its end.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`engine crash on ${backend}`, { skip }, () => {
    test('SIGKILL mid-operation: on restart the operation resumes, shows the takeover, and ends', { timeout: 120_000 }, async () => {
      const dir = await tempDir();
      const pg = backend === 'postgres' ? await openTestPostgres() : undefined;
      const store: Record<string, string> = pg ? { BERTH_CHILD_DATABASE_URL: pg.url! } : { BERTH_CHILD_DATA_DIR: dir.path };
      try {
        const first = startChild({ ...store, BERTH_CHILD_OWNER: 'first', BERTH_CHILD_LEASE_MS: '1500', BERTH_CHILD_CREATE: JSON.stringify({ stepMs: 400 }) });
        const created = await eventually(() => first.lines.find((l) => l.created)?.created as string | undefined, { timeoutMs: 30_000 });
        await eventually(() => first.lines.some((l) => l.event?.type === 'transition' && l.event.to === 'two'), { timeoutMs: 30_000, message: 'the first engine reached step two' });
        await kill(first, 'SIGKILL');
        assert.ok(!first.lines.some((l) => l.event?.to === 'done'), 'killed before the end');

        const second = startChild({ ...store, BERTH_CHILD_OWNER: 'second', BERTH_CHILD_LEASE_MS: '1500' });
        await eventually(() => second.lines.some((l) => l.event?.type === 'transition' && l.event.to === 'done'), { timeoutMs: 60_000, message: 'the second engine finished the operation' });
        await kill(second, 'SIGTERM');

        const { db } = pg ? { db: pg.db } : await openStore({ kind: 'pglite', dataDir: dir.path });
        try {
          const op = await findOperation(db, created);
          assert.equal(op?.state, 'done');
          assert.equal(op?.lease, null);
          const events = await listEvents(db, created);
          const takeover = events.find((e) => e.type === 'lease');
          assert.ok(takeover, 'the timeline shows the takeover');
          assert.match(takeover.sentence, /Taken over from first, whose lease expired/);
          assert.equal(takeover.actor, 'second');
          assert.deepEqual(events.filter((e) => e.type === 'transition').map((e) => e.to), ['one', 'two', 'three', 'done']);
          const resumed = events.find((e) => e.type === 'transition' && e.from === 'two');
          assert.equal(resumed?.actor, 'second');
          assert.equal(resumed?.evidence.takeover, true, 'the step knew it was a takeover');
        } finally {
          if (!pg) await db.close();
        }
      } finally {
        await pg?.dispose();
        await dir.remove();
      }
    });
  });
}
