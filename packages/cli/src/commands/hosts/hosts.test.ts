import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

describe('berth hosts', () => {
  let h: CliHarness;
  const hostId = 'host_01ARZ3NDEKTSV4RRFFQ69G5FAV';

  before(async () => {
    h = await startCliHarness();
    // A host row as a runner's join would leave it, without a runner: no test here needs one.
    await h.t.cp.db.query(
      `INSERT INTO hosts (id, name, region, labels, cpus, memory_bytes, runner_version, status, last_heartbeat_at, created_at, updated_at)
       VALUES ($1, 'h1', 'default', '{"disk":"ssd"}', 2, 1073741824, 'test', 'ready', now(), now(), now())`,
      [hostId],
    );
  });
  // Worker health marks a host silent for 30 s offline, and an offline host stays offline through
  // a cordon; a fresh heartbeat keeps h1 in the states these tests are about.
  beforeEach(async () => {
    await h.t.cp.db.query("UPDATE hosts SET last_heartbeat_at = now(), status = CASE WHEN cordoned THEN 'cordoned' ELSE 'ready' END WHERE id = $1", [hostId]);
  });
  after(async () => h?.close());

  test('list shows each host in a table; --json the page', async () => {
    const human = await h.run(['hosts', 'list']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^NAME {2,}STATUS {2,}CONNECTED {2,}REGION {2,}CPUS {2,}MEMORY {2,}RUNNER {2,}HEARTBEAT$/m);
    assert.match(human.stdout, /^h1 {2,}ready {2,}no {2,}default {2,}2 {2,}1 GiB {2}test {2,}(just now|\d+s ago)$/m);
    const page = parseJson(await h.run(['hosts', 'list', '--json']));
    assert.deepEqual(page.items.map((x: { id: string }) => x.id), [hostId]);
    assert.equal(page.nextCursor, null);
  });

  test('show prints the fields and labels, by name or id', async () => {
    const human = await h.run(['hosts', 'show', 'h1']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, new RegExp(`^id: {2,}${hostId}$`, 'm'));
    assert.match(human.stdout, /^status: {2,}ready$/m);
    assert.match(human.stdout, /^memory: {2,}1 GiB$/m);
    assert.match(human.stdout, /^runner version: {2,}test$/m);
    assert.match(human.stdout, /^labels: {2,}disk=ssd$/m);
    const host = parseJson(await h.run(['hosts', 'show', hostId, '--json']));
    assert.equal(host.name, 'h1');
    assert.deepEqual(host.capacity, { cpus: 2, memoryBytes: 1073741824 });
  });

  test('cordon makes the host cordoned and uncordon ready again, printing the new status', async () => {
    const cordoned = await h.run(['hosts', 'cordon', 'h1']);
    assert.equal(cordoned.code, ExitCode.ok, show(cordoned));
    assert.match(cordoned.stdout, /^h1 is cordoned: nothing new is placed on it/m);
    const [row] = await h.t.cp.db.query<{ status: string; cordoned: boolean }>('SELECT status, cordoned FROM hosts WHERE id = $1', [hostId]);
    assert.deepEqual({ ...row }, { status: 'cordoned', cordoned: true });
    assert.equal(parseJson(await h.run(['hosts', 'show', 'h1', '--json'])).status, 'cordoned');

    const uncordoned = parseJson(await h.run(['hosts', 'uncordon', hostId, '--json']));
    assert.equal(uncordoned.status, 'ready');
    assert.equal(uncordoned.cordoned, false);
    const human = await h.run(['hosts', 'uncordon', 'h1']);
    assert.match(human.stdout, /^h1 is ready: the scheduler places new allocations on it again\.$/m);
  });

  test('an unknown host is exit 4; a member token is exit 3', async () => {
    const missing = await h.run(['hosts', 'show', 'nope']);
    assert.equal(missing.code, ExitCode.notFound, show(missing));
    assert.match(missing.stderr, /hint: Run `berth hosts list`/);
    const { secret } = parseJson(await h.run(['tokens', 'create', 'reader', '--json']));
    const env = h.box.env({ BERTH_API_URL: h.url, BERTH_TOKEN: secret });
    for (const args of [['hosts', 'list'], ['hosts', 'show', 'h1'], ['hosts', 'cordon', 'h1']]) {
      const result = await h.run(args, { env });
      assert.equal(result.code, ExitCode.auth, show(result));
      assert.match(result.stderr, /code: forbidden/);
    }
  });
});
