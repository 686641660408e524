import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';
import { insertAllocation, seedApp, type RuntimeSeed } from './test-fixtures.js';

describe('berth allocs', () => {
  let h: CliHarness;
  let seed: RuntimeSeed;

  before(async () => {
    h = await startCliHarness();
    seed = await seedApp(h, 'shop');
    await h.t.call('POST', '/api/apps', { body: { name: 'idle' } });
  });
  after(async () => h?.close());

  test('list of an app with none prints an empty table; --json an empty page', async () => {
    const human = await h.run(['allocs', 'list', '--app', 'idle']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^ID {2}STATE {2}HOST {2}ADDRESS {2}CPU {2}MEMORY {2}AGE$/m);
    assert.match(human.stdout, /No live allocations of idle\./);
    const page = parseJson(await h.run(['allocs', 'list', '--app', 'idle', '--json']));
    assert.deepEqual(page.items, []);
  });

  test('list shows live allocations; --all adds failed ones with their failure mode', async () => {
    const live = await insertAllocation(h, seed, { address: { host: '127.0.0.1', port: 4100 }, stats: { cpuPercent: 12.5, memoryBytes: 64 * 1024 * 1024 } });
    const dead = await insertAllocation(h, seed);
    await h.t.cp.engine.applyRemote(dead.operationId, dead.version, { failureMode: 'OOM', sentence: 'Killed for using more than 256 MiB.', reason: 'It used more memory than its limit.' }, 'test');

    const human = await h.run(['allocs', 'list', '--app', 'shop']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, new RegExp(`^${live.id} {2}planned {2}Q69G5FAV {2}127\\.0\\.0\\.1:4100 {2}12\\.5% {2}64 MiB / 256 MiB {2}(just now|\\d+s ago)$`, 'm'));
    assert.equal(human.stdout.includes(dead.id), false, 'a failed allocation is not live');

    const everything = await h.run(['allocs', 'list', '--app', 'shop', '--env', 'production', '--all']);
    assert.equal(everything.code, ExitCode.ok, show(everything));
    assert.match(everything.stdout, new RegExp(`^${dead.id} {2}failed \\(OOM\\) +Q69G5FAV {2}- +- +- / 256 MiB`, 'm'));
    const json = parseJson(await h.run(['allocs', 'list', '--app', 'shop', '--all', '--json']));
    assert.deepEqual(new Set(json.items.map((a: { id: string }) => a.id)), new Set([live.id, dead.id]));
  });

  test('show prints the fields and the timeline as `ops show` does; --json the allocation', async () => {
    const a = await insertAllocation(h, seed);
    await h.t.cp.engine.applyRemote(a.operationId, a.version, { failureMode: 'OOM', sentence: 'Killed for using more than 256 MiB.', reason: 'It used more memory than its limit.' }, 'test');
    const human = await h.run(['allocs', 'show', a.id]);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^state: {2,}failed \(terminal\)$/m);
    assert.match(human.stdout, /^failure mode: {2,}OOM$/m);
    assert.match(human.stdout, /^reason: {2,}It used more memory than its limit\.$/m);
    assert.match(human.stdout, new RegExp(`^host: {2,}${seed.hostId}$`, 'm'));
    assert.match(human.stdout, /^memory limit: {2,}256 MiB$/m);
    assert.match(human.stdout, /^SEQ {2}TIME {2,}FROM → TO {2,}SENTENCE {2,}ACTOR$/m);
    assert.match(human.stdout, /^ {2}1 {2}\S+ {2}→ planned {2,}Allocation Lifecycle requested for allocation alloc_\S+ {2,}test$/m);
    assert.match(human.stdout, /planned → failed {2,}Killed for using more than 256 MiB\./);
    const json = parseJson(await h.run(['allocs', 'show', a.id, '--json']));
    assert.equal(json.failureMode, 'OOM');
    assert.equal(json.timeline.at(-1).to, 'failed');
  });

  test('show of an unknown allocation is exit 4 with a hint; a malformed id exit 5; list without --app exit 2', async () => {
    const missing = await h.run(['allocs', 'show', 'alloc_00000000000000000000000000']);
    assert.equal(missing.code, ExitCode.notFound, show(missing));
    assert.match(missing.stderr, /hint: Run `berth allocs list --app APP --all`/);
    const malformed = await h.run(['allocs', 'show', 'nope', '--json']);
    assert.equal(malformed.code, ExitCode.rejected, show(malformed));
    assert.equal(parseJson(malformed).error.code, 'invalid_id');
    const usage = await h.run(['allocs', 'list']);
    assert.equal(usage.code, ExitCode.usage, show(usage));
  });
});
