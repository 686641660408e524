import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { repoRoot } from '../../test-support/examples.js';
import { explain as show, parseJson, type CliResult } from '../../test-support/run-cli.js';

/**
 * The shop example blocks on its missing secrets; `berth secrets set` and `berth deploy retry`
 * take it to its preview. No value set here may appear in anything any command prints.
 */
describe('berth secrets and a blocked deploy', () => {
  let h: CliHarness;
  const databaseUrl = 'postgres://shop:sup3r-s3cret-pw-7731@db.internal/shop';
  const webhookSecret = 'whsec_cli_test_5f2d9a';
  const stdinSecret = 'from-stdin-value-0042';
  const outputs: CliResult[] = [];
  const run = async (args: string[], options: { input?: string } = {}) => {
    const result = await h.run(args, { cwd: repoRoot(), timeoutMs: 90_000, ...options });
    outputs.push(result);
    return result;
  };

  before(async () => {
    h = await startCliHarness();
    assert.equal((await h.t.call('POST', '/api/apps', { body: { name: 'shop' } })).status, 201);
  });
  after(async () => h?.close());

  test('deploy blocks naming both missing secrets; set them, retry, and the preview is ready', async () => {
    const blocked = await run(['deploy', 'examples/shop', '--app', 'shop']);
    assert.equal(blocked.code, ExitCode.operationFailed, show(blocked));
    assert.match(blocked.stdout, /→ blocked/);
    assert.match(blocked.stdout, /! Deploy (dep_\S+) is blocked; it waits for you\./);
    assert.match(blocked.stdout, /DATABASE_URL, STRIPE_WEBHOOK_SECRET/);
    const id = /Deploy (dep_\S+) is blocked/.exec(blocked.stdout)![1]!;
    assert.ok(blocked.stdout.includes(`berth secrets set DATABASE_URL=... STRIPE_WEBHOOK_SECRET=... --app shop && berth deploy retry ${id}`), blocked.stdout);
    assert.ok(blocked.stdout.includes(`berth deploy abandon ${id}`));

    const approve = await run(['deploy', 'approve', id]);
    assert.equal(approve.code, ExitCode.rejected, 'approval does not lift a missing secret');
    assert.match(approve.stderr, /berth deploy retry/);

    const set = await run(['secrets', 'set', `DATABASE_URL=${databaseUrl}`, `STRIPE_WEBHOOK_SECRET=${webhookSecret}`, '--app', 'shop']);
    assert.equal(set.code, ExitCode.ok, show(set));
    assert.match(set.stdout, /^set DATABASE_URL\nset STRIPE_WEBHOOK_SECRET\n/);

    const retry = await run(['deploy', 'retry', id]);
    assert.equal(retry.code, ExitCode.ok, show(retry));
    assert.match(retry.stdout, /→ validating/);
    assert.doesNotMatch(retry.stdout, /→ building/, 'only what happens after the retry is shown');
    assert.match(retry.stdout, /✓ Preview ready: http:\/\/shop--[a-z0-9]{8}\.localhost\//);

    const shown = await run(['deployments', 'show', id, '--logs']);
    assert.match(shown.stdout, /^secrets\/providers bound {2,}pass/m);
    const json = parseJson(await run(['deploy', 'watch', id, '--json']));
    assert.equal(json.state, 'preview_ready');
  });

  test('--from-stdin, list and unset show names and times, never values', async () => {
    const fromStdin = await run(['secrets', 'set', '--from-stdin', 'API_KEY', '--app', 'shop'], { input: `${stdinSecret}\n` });
    assert.equal(fromStdin.code, ExitCode.ok, show(fromStdin));
    assert.match(fromStdin.stdout, /^set API_KEY$/m);

    const list = await run(['secrets', 'list', '--app', 'shop']);
    assert.equal(list.code, ExitCode.ok, show(list));
    assert.match(list.stdout, /^NAME {2,}UPDATED {2,}CREATED {2,}UPDATED BY$/m);
    for (const name of ['API_KEY', 'DATABASE_URL', 'STRIPE_WEBHOOK_SECRET']) assert.match(list.stdout, new RegExp(`^${name} {2,}`, 'm'));
    const names = parseJson(await run(['secrets', 'list', '--app', 'shop', '--json'])).items.map((s: { name: string }) => s.name);
    assert.deepEqual(names, ['API_KEY', 'DATABASE_URL', 'STRIPE_WEBHOOK_SECRET']);

    const unset = await run(['secrets', 'unset', 'API_KEY', 'NEVER_SET', '--app', 'shop']);
    assert.equal(unset.code, ExitCode.ok, show(unset));
    assert.match(unset.stdout, /^unset API_KEY\nNEVER_SET was not set for shop \(production\)\n$/);

    const wrong = await run(['secrets', 'set', `DATABASE_URL${databaseUrl}`, '--app', 'shop']);
    assert.equal(wrong.code, ExitCode.usage, 'an argument without "=" is refused without quoting it');
    const badName = await run(['secrets', 'set', `database-url=${databaseUrl}`, '--app', 'shop']);
    assert.equal(badName.code, ExitCode.rejected, show(badName));
  });

  test('no value ever appears in any output of any command above', () => {
    assert.ok(outputs.length >= 10);
    for (const result of outputs) {
      for (const value of [databaseUrl, webhookSecret, stdinSecret, 'sup3r-s3cret-pw']) {
        assert.ok(!result.stdout.includes(value) && !result.stderr.includes(value), `a secret leaked:\n${show(result)}`);
      }
    }
  });
});
