import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@berth/testkit';
import { signedEvent, signedSnapshot, testSigningKey } from '../test-support/feed-documents.js';
import { FeedJournal } from './feed-journal.js';

test('the journal makes its folder on the first write, and again after it was removed under the edge', async () => {
  const dir = await tempDir('berth-journal-');
  try {
    const key = testSigningKey();
    const errors: unknown[] = [];
    const folder = join(dir.path, 'route-feed');
    const journal = new FeedJournal(folder, (error) => errors.push(error));
    journal.saveSnapshot(signedSnapshot(key, 1, [], []));
    journal.append(signedEvent(key, 2, { type: 'target.down', allocationId: 'alloc_a', deploymentId: 'dep_a', environmentId: 'env_a' }));
    await journal.flush();
    assert.equal((await journal.load())?.events.length, 1);

    await rm(folder, { recursive: true });
    journal.append(signedEvent(key, 3, { type: 'target.down', allocationId: 'alloc_b', deploymentId: 'dep_a', environmentId: 'env_a' }));
    await journal.flush();
    assert.equal(errors.length, 1, 'the write into the removed folder failed, and was reported');
    journal.saveSnapshot(signedSnapshot(key, 3, [], []));
    await journal.flush();
    assert.equal(errors.length, 1, 'the next write made the folder again');
    const loaded = await journal.load();
    assert.equal(loaded?.events.length, 0);
    assert.ok(loaded?.snapshot);
  } finally {
    await dir.remove();
  }
});
