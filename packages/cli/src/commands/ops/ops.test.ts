import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { migrationExecutor, type MigrationExecutor } from '../../test-support/migration-executor.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

describe('berth ops', () => {
  let h: CliHarness;
  let executor: MigrationExecutor;
  let orgId: string;
  let appId: string;

  before(async () => {
    executor = migrationExecutor();
    h = await startCliHarness({ executors: [executor] });
    orgId = (await h.t.call('GET', '/api/whoami')).body.organization.id;
    appId = (await h.t.call('POST', '/api/apps', { body: { name: 'billing' } })).body.id;
  });
  after(async () => h?.close());

  async function migration(input: Record<string, unknown> = {}): Promise<string> {
    const { operation } = await h.t.cp.engine.create({ orgId, kind: 'database_migration', subject: { type: 'app', id: appId }, input, actor: 'test' });
    return operation.id;
  }
  const settled = (id: string) =>
    eventually(async () => {
      const op = (await h.t.call('GET', `/api/operations/${id}`)).body;
      return op.role !== 'active' ? op : undefined;
    });

  test('list shows operations in a table and filters by kind, state and subject', async () => {
    const id = await migration();
    await settled(id);
    const human = await h.run(['ops', 'list']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^ID {2,}KIND {2,}SUBJECT {2,}STATE {2,}FAILURE MODE {2}UPDATED$/m);
    assert.match(human.stdout, new RegExp(`^${id} {2}database_migration {2}app ${appId} {2}verified {2}- {2,}(just now|\\d+s ago)$`, 'm'));
    const filtered = parseJson(await h.run(['ops', 'list', '--json', '--kind', 'database_migration', '--state', 'verified', '--subject', appId]));
    assert.ok(filtered.items.some((op: { id: string }) => op.id === id));
    const none = parseJson(await h.run(['ops', 'list', '--json', '--state', 'failed', '--subject', appId]));
    assert.ok(!none.items.some((op: { id: string }) => op.id === id));
  });

  test('show prints state, gates with evidence and the timeline; --json the operation', async () => {
    const id = await migration();
    await settled(id);
    const human = await h.run(['ops', 'show', id]);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^kind: {2,}database_migration \(Database Migration\)$/m);
    assert.match(human.stdout, /^state: {2,}verified \(terminal\): The migration was applied/m);
    assert.match(human.stdout, /^failure mode: {2,}-$/m);
    assert.match(human.stdout, /^expand\/contract safe {2,}dry_run {2,}pass {2,}\d{4}-\S+ {2}kind=expand, statements=1$/m);
    assert.match(human.stdout, /^old artifact compatibility checked {2,}applying {2,}pass {2,}\S+ {2}artifact=sha256:abc, compatible=true$/m);
    assert.match(human.stdout, /^SEQ {2}TIME {2,}FROM → TO {2,}SENTENCE {2,}ACTOR$/m);
    assert.match(human.stdout, /^ {2}1 {2}\S+ {2}→ classified {2,}Database Migration requested for app app_\S+ {2,}test$/m);
    assert.match(human.stdout, /applying → verified {2,}Applied 1 statement/);
    const op = parseJson(await h.run(['ops', 'show', id, '--json']));
    assert.equal(op.state, 'verified');
    assert.equal(op.gates['rollback plan explicit'].status, 'pass');
    assert.ok(op.timeline.length >= 9);
  });

  test('show of an unknown operation is exit 4; of a malformed id exit 5', async () => {
    const missing = await h.run(['ops', 'show', 'op_00000000000000000000000000']);
    assert.equal(missing.code, ExitCode.notFound, show(missing));
    assert.match(missing.stderr, /hint: Run `berth ops list`/);
    const malformed = await h.run(['ops', 'show', 'nope', '--json']);
    assert.equal(malformed.code, ExitCode.rejected, show(malformed));
    assert.equal(parseJson(malformed).error.code, 'invalid_id');
  });

  test('watch streams the transitions live and exits 0 when the operation ends verified', async () => {
    const id = await migration({ hold: 'live' });
    const watch = h.spawn(['ops', 'watch', id]);
    await eventually(() => watch.output.stdout.includes('→ classified'), { message: 'the watcher printed the first event' });
    assert.equal(watch.output.stdout.includes('classified → dry_run'), false, 'nothing moved before the release');
    executor.release('live');
    const result = await watch.exited;
    assert.equal(result.code, ExitCode.ok, show(result));
    const moves = ['→ classified', 'classified → dry_run', 'dry_run → locked', 'locked → applying', 'applying → verified'];
    let at = -1;
    for (const move of moves) {
      const next = result.stdout.indexOf(move, at + 1);
      assert.ok(next > at, `"${move}" follows in order:\n${result.stdout}`);
      at = next;
    }
    assert.match(result.stdout, /^#\d+ {2}\S+ {2}\(gate\) {2}Gate "expand\/contract safe": pass\./m);
    assert.match(result.stdout, new RegExp(`Operation ${id} ended in verified\\.\\n$`));
  });

  test('watch exits 1 when the operation fails, naming the failure mode and the reason', async () => {
    const id = await migration({ outcome: 'lock-timeout' });
    const result = await h.run(['ops', 'watch', id]);
    assert.equal(result.code, ExitCode.operationFailed, show(result));
    assert.match(result.stdout, /locked → failed {2}The migration lock was not acquired/);
    assert.match(result.stdout, /ended in failed \(failure mode: manual lock timeout\): A manual session holds the migration lock/);
  });

  test('watch stops with exit 1 when the operation rests in blocked, printing its reason; --json prints the final operation', async () => {
    const id = await migration({ outcome: 'destructive' });
    const result = await h.run(['ops', 'watch', id]);
    assert.equal(result.code, ExitCode.operationFailed, show(result));
    assert.match(result.stdout, /classified → blocked/);
    assert.match(result.stdout, /rests in blocked \(failure mode: destructive migration\): It drops users\.email/);
    assert.match(result.stdout, new RegExp(`see \`berth ops show ${id}\``));
    const json = await h.run(['ops', 'watch', id, '--json']);
    assert.equal(json.code, ExitCode.operationFailed);
    const op = parseJson(json);
    assert.equal(op.state, 'blocked');
    assert.equal(op.failureMode, 'destructive migration');
  });

  test('watch --json prints only the final operation; Ctrl-C exits 130', async () => {
    const id = await migration({ hold: 'interrupt' });
    const watch = h.spawn(['ops', 'watch', id]);
    await eventually(() => watch.output.stdout.includes('→ classified'));
    watch.kill('SIGINT');
    const interrupted = await watch.exited;
    assert.equal(interrupted.code, ExitCode.interrupted, show(interrupted));
    assert.match(interrupted.stderr, /code: interrupted/);

    executor.release('interrupt');
    const result = await h.run(['ops', 'watch', id, '--json']);
    assert.equal(result.code, ExitCode.ok, show(result));
    const op = parseJson(result);
    assert.equal(op.state, 'verified');
    assert.ok(Array.isArray(op.timeline));
  });
});
