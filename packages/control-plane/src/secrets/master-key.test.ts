import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { tempDir } from '@berth/testkit';
import { loadMasterKey } from './master-key.js';

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await tempDir('berth-key-');
  try {
    await fn(dir.path);
  } finally {
    await dir.remove();
  }
}

describe('master key', () => {
  test('BERTH_MASTER_KEY as 64 hex characters, base64 or base64url is used as is, and no file is written', async () => {
    const key = randomBytes(32);
    await withDir((dir) => {
      for (const spelling of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url'), ` ${key.toString('base64')}\n`]) {
        const loaded = loadMasterKey({ envValue: spelling, dataDir: dir });
        assert.equal(loaded.source, 'env');
        assert.ok(loaded.key.equals(key));
      }
      assert.deepEqual(readdirSync(dir), []);
    });
  });

  test('a malformed BERTH_MASTER_KEY is refused with the expected form, never the value', async () => {
    const bad = ['hunter2-not-a-key', randomBytes(31).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64), `${randomBytes(32).toString('base64')}!`];
    await withDir((dir) => {
      for (const value of bad) {
        assert.throws(() => loadMasterKey({ envValue: value, dataDir: dir }), (error: Error & { code?: string; suggestion?: string }) => {
          assert.equal(error.code, 'invalid_config');
          assert.match(error.message, /BERTH_MASTER_KEY/);
          assert.match(error.message, /32 bytes/);
          assert.match(error.message, /64 hexadecimal characters or as base64/);
          assert.ok(!error.message.includes(value.trim()) && !String(error.suggestion).includes(value.trim()), 'the value is not echoed');
          return true;
        });
      }
    });
  });

  test('without BERTH_MASTER_KEY a key is generated once, mode 0600, and reused', async () => {
    await withDir((dir) => {
      const first = loadMasterKey({ envValue: undefined, dataDir: join(dir, 'nested') });
      assert.equal(first.source, 'generated');
      assert.equal(first.key.length, 32);
      assert.equal(statSync(first.file!).mode & 0o777, 0o600);
      const second = loadMasterKey({ envValue: '', dataDir: join(dir, 'nested') });
      assert.equal(second.source, 'file');
      assert.ok(second.key.equals(first.key));
      assert.deepEqual(readdirSync(join(dir, 'nested')), ['master-key'], 'no temporary file is left behind');
    });
  });

  test('a key file readable by group or others is refused, saying to chmod 600', async () => {
    await withDir((dir) => {
      const { file } = loadMasterKey({ dataDir: dir });
      for (const mode of [0o644, 0o640, 0o604]) {
        chmodSync(file!, mode);
        assert.throws(() => loadMasterKey({ dataDir: dir }), (error: Error & { code?: string; suggestion?: string }) => {
          assert.equal(error.code, 'invalid_config');
          assert.match(error.message, new RegExp(`readable by other users \\(mode 0${mode.toString(8)}\\)`));
          assert.match(String(error.suggestion), /chmod 600/);
          return true;
        });
      }
    });
  });

  test('a key file that does not hold a key is refused, not replaced', async () => {
    await withDir((dir) => {
      const file = join(dir, 'master-key');
      writeFileSync(file, 'not a key\n', { mode: 0o600 });
      assert.throws(() => loadMasterKey({ dataDir: dir }), { code: 'invalid_config' });
      assert.equal(statSync(file).size, 'not a key\n'.length);
    });
  });

  test('processes starting together on one data directory agree on one key', async () => {
    const module = fileURLToPath(new URL('./master-key.js', import.meta.url));
    await withDir(async (dir) => {
      const script = `import { loadMasterKey } from ${JSON.stringify(module)};
        import { createHash } from 'node:crypto';
        const { key } = loadMasterKey({ dataDir: ${JSON.stringify(dir)} });
        console.log(createHash('sha256').update(key).digest('hex'));`;
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
      const outputs = await Promise.all(children.map(async (child) => {
        let out = '';
        child.stdout!.on('data', (chunk) => (out += chunk));
        const [code] = await once(child, 'exit');
        assert.equal(code, 0);
        return out.trim();
      }));
      assert.equal(new Set(outputs).size, 1, 'every process read the same key');
      assert.deepEqual(readdirSync(dir), ['master-key']);
    });
  });
});
