import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packSource } from '@berth/builder';
import { eventually, tempDir } from '@berth/testkit';
import { copyExample } from '../../testing/index.js';

const childScript = fileURLToPath(new URL('../../testing/control-plane-child.js', import.meta.url));

async function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [childScript], { env: { ...process.env, BERTH_CHILD_DATA_DIR: dataDir, BERTH_CHILD_LEASE_MS: '1000' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const { url, tokenFile } = JSON.parse(line) as { url: string; tokenFile: string };
  return { child, url, token: (await readFile(tokenFile, 'utf8')).trim() };
}

/**
 * The control plane is SIGKILLed while a deploy is building. On restart the deploy is taken over
 * once the lease expires and the build runs again from the source: it resumes rather than
 * sticking in `building` with nobody driving it.
 */
test('a control plane killed during building resumes the deploy on restart', { timeout: 120_000 }, async () => {
  const data = await tempDir('berth-crash-');
  const app = await copyExample('hello-node');
  try {
    await writeFile(join(app.path, 'berth.toml'), '[build]\ncommand = "echo building; sleep 3; echo built"\n\n[run]\ncommand = "node server.js"\n');
    const tarFile = join(data.path, 'upload.tar');
    await packSource(app.path, tarFile, { maxBytes: 1 << 26 });

    let cp = await startChild(data.path);
    const call = async (method: string, path: string, body?: string | Buffer, type = 'application/json') => {
      const res = await fetch(`${cp.url}${path}`, { method, headers: { authorization: `Bearer ${cp.token}`, ...(body ? { 'content-type': type } : {}) }, ...(body ? { body } : {}) });
      return { status: res.status, body: await res.json() as any };
    };
    assert.equal((await call('POST', '/api/apps', JSON.stringify({ name: 'crashy' }))).status, 201);
    const created = await call('POST', '/api/apps/crashy/deployments', await readFile(tarFile), 'application/x-tar');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    await eventually(async () => (await call('GET', `/api/deployments/${id}/logs`)).body.items.some((c: { text: string }) => c.text.includes('building')), { timeoutMs: 30_000, message: 'the build started' });
    cp.child.kill('SIGKILL');
    await once(cp.child, 'exit');

    cp = await startChild(data.path);
    try {
      const done = await eventually(async () => {
        const d = (await call('GET', `/api/deployments/${id}`)).body;
        return ['preview_ready', 'failed', 'blocked'].includes(d.state) ? d : undefined;
      }, { timeoutMs: 60_000, message: 'the deploy settled after the restart' });
      assert.equal(done.state, 'preview_ready', done.reason);
      const op = (await call('GET', `/api/operations/${done.operationId}`)).body;
      assert.ok(op.timeline.some((e: { type: string; sentence: string }) => e.type === 'lease' && /Taken over/.test(e.sentence)), 'the timeline shows the takeover');
      const log = (await call('GET', `/api/deployments/${id}/logs`)).body.items.map((c: { text: string }) => c.text).join('');
      assert.match(log, /restarted during the build/);
      assert.match(log, /built/);
    } finally {
      cp.child.kill('SIGTERM');
      await once(cp.child, 'exit');
    }
  } finally {
    await app.remove();
    await rm(data.path, { recursive: true, force: true });
  }
});
