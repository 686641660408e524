import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { ExitCode } from '../exit-codes.js';
import { startCliHarness, type CliHarness } from '../test-support/cli-harness.js';
import { explain as show, parseJson } from '../test-support/run-cli.js';
import { createStyle } from '../output/style.js';
import { insertAllocation, insertLogLine, seedApp, type RuntimeSeed } from './allocs/test-fixtures.js';
import { formatLogLine, parseSince } from './logs.js';

describe('berth logs', () => {
  let h: CliHarness;
  let seed: RuntimeSeed;
  let allocationId: string;
  const start = Date.now() - 60_000;

  before(async () => {
    h = await startCliHarness();
    seed = await seedApp(h, 'shop');
    allocationId = (await insertAllocation(h, seed)).id;
    await insertLogLine(h, allocationId, { seq: 1, at: new Date(start), stream: 'stdout', text: 'listening on :8080\n' });
    await insertLogLine(h, allocationId, { seq: 2, at: new Date(start + 1000), stream: 'stderr', text: 'warning: slow query' });
  });
  after(async () => h?.close());

  test('prints each line with its time, allocation, stream and text; stderr is marked', async () => {
    const result = await h.run(['logs', '--app', 'shop']);
    assert.equal(result.code, ExitCode.ok, show(result));
    const short = allocationId.slice(-8);
    assert.equal(result.stdout, [
      `${new Date(start).toISOString()}  ${short}  stdout | listening on :8080`,
      `${new Date(start + 1000).toISOString()}  ${short}  stderr | warning: slow query`,
      '',
    ].join('\n'));
  });

  test('--since skips older lines; --json prints the items as one document', async () => {
    const json = parseJson(await h.run(['logs', '--app', 'shop', '--env', 'production', '--since', new Date(start + 500).toISOString(), '--json']));
    assert.deepEqual(json.items.map((l: { seq: number; text: string }) => [l.seq, l.text]), [[2, 'warning: slow query']]);
    const none = await h.run(['logs', '--app', 'shop', '--since', '1s']);
    assert.equal(none.code, ExitCode.ok, show(none));
    assert.match(none.stdout, /^No output from shop since 1s\.$/m);
  });

  test('--follow prints new lines once each as they come, until Ctrl-C (exit 130)', async () => {
    const follow = h.spawn(['logs', '--app', 'shop', '-f']);
    await eventually(() => follow.output.stdout.includes('warning: slow query'), { message: 'the history was printed' });
    await insertLogLine(h, allocationId, { seq: 3, at: new Date(), stream: 'stdout', text: 'GET / 200' });
    await eventually(() => follow.output.stdout.includes('GET / 200'), { message: 'the new line was printed' });
    // Two more polls re-read the last seconds; nothing may print twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    follow.kill('SIGINT');
    const result = await follow.exited;
    assert.equal(result.code, ExitCode.interrupted, show(result));
    assert.equal(result.stdout.split('\n').filter((line) => line.endsWith('| GET / 200')).length, 1, result.stdout);
    assert.equal(result.stdout.split('\n').filter((line) => line.endsWith('| listening on :8080')).length, 1, result.stdout);
  });

  test('usage errors: no --app, a bad --since, --json with --follow (exit 2)', async () => {
    for (const args of [['logs'], ['logs', '--app', 'shop', '--since', 'yesterday'], ['logs', '--app', 'shop', '-f', '--json']]) {
      const result = await h.run(args);
      assert.equal(result.code, ExitCode.usage, show(result));
    }
    assert.equal((await h.run(['logs', '--app', 'nope'])).code, ExitCode.notFound);
  });

  test('--since takes durations and ISO times; multi-line text keeps its prefix on each line', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(new Date(parseSince('1h30m', now)).toISOString(), '2026-01-01T10:30:00.000Z');
    assert.equal(new Date(parseSince('2d', now)).toISOString(), '2025-12-30T12:00:00.000Z');
    assert.equal(new Date(parseSince('2026-01-01T11:00:00+01:00', now)).toISOString(), '2026-01-01T10:00:00.000Z');
    assert.throws(() => parseSince('10 minutes', now), /--since must be/);
    const line = { allocationId: 'alloc_01ARZ3NDEKTSV4RRFFQ69G5FAV', seq: 1, at: '2026-01-01T12:00:00.000Z', stream: 'stderr', text: 'a\nb\n' };
    assert.equal(formatLogLine(line, createStyle(false)), '2026-01-01T12:00:00.000Z  Q69G5FAV  stderr | a\n2026-01-01T12:00:00.000Z  Q69G5FAV  stderr | b');
  });
});
