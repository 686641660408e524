import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

/**
 * The promotion commands against a real control plane: their refusals (usage, unknown ids, a
 * frozen environment, nothing to roll back) and the environment policy they read and set. The
 * full promote → healthy → rollback walk runs on real processes in scenarios/promotion-walk.test.ts.
 */
describe('berth promote, rollback and env', () => {
  let h: CliHarness;
  before(async () => {
    h = await startCliHarness();
    assert.equal((await h.t.call('POST', '/api/apps', { body: { name: 'shop' } })).status, 201);
  });
  after(async () => h?.close());

  test('a wrong command line is exit 2 and names what is missing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['promote'], /DEPLOYMENT|deployment/],
      [['rollback'], /Missing --app for `berth rollback`/],
      [['env', 'freeze', '--app', 'shop'], /Missing --reason/],
      [['env', 'set', '--app', 'shop'], /Nothing to set/],
      [['env', 'set', '--app', 'shop', '--require-approval', 'maybe'], /--require-approval takes on or off/],
      [['env', 'set', '--app', 'shop', '--gap-policy', 'yolo'], /--gap-policy takes fail_closed or keep_last_owner/],
      [['wake', 'status'], /Missing --app for `berth wake status`/],
      [['edge'], /An edge needs a join token/],
      [['edge', '--join', 'x', '--port', '99999'], /--port must be a port number/],
      [['edge', '--join', 'x', '--nats-url', 'http://nats'], /--nats-url must be a nats:\/\/ URL/],
    ];
    for (const [args, message] of cases) {
      const result = await h.run(args);
      assert.equal(result.code, ExitCode.usage, `${args.join(' ')}: ${show(result)}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('promoting an unknown deployment is exit 4; rolling back with nothing to roll back to is exit 5', async () => {
    const unknown = await h.run(['promote', 'dep_01J00000000000000000000000', '--json']);
    assert.equal(unknown.code, ExitCode.notFound, show(unknown));
    assert.equal(parseJson(unknown).error.code, 'not_found');
    const nothing = await h.run(['rollback', '--app', 'shop', '--json']);
    assert.equal(nothing.code, ExitCode.rejected, show(nothing));
    assert.equal(parseJson(nothing).error.code, 'nothing_to_roll_back');
  });

  test('freeze and unfreeze show the reason, who and when; set changes approval and gap policy', async () => {
    const frozen = await h.run(['env', 'freeze', '--app', 'shop', '--reason', '5xx spike after the last deploy']);
    assert.equal(frozen.code, ExitCode.ok, show(frozen));
    assert.match(frozen.stdout, /Froze shop production: promotions are refused \(rollbacks are not\)/);
    assert.match(frozen.stdout, /frozen: 5xx spike after the last deploy \(by /);
    const json = parseJson(await h.run(['env', 'show', '--app', 'shop', '--json']));
    assert.deepEqual([json.frozen, json.frozenReason, json.requireApproval, json.gapPolicy], [true, '5xx spike after the last deploy', false, 'fail_closed']);
    const set = parseJson(await h.run(['env', 'set', '--app', 'shop', '--require-approval', 'on', '--gap-policy', 'keep_last_owner', '--json']));
    assert.deepEqual([set.requireApproval, set.gapPolicy], [true, 'keep_last_owner']);
    const thawed = parseJson(await h.run(['env', 'unfreeze', '--app', 'shop', '--json']));
    assert.equal(thawed.frozen, false);
    assert.equal((await h.run(['env', 'show', '--app', 'nope'])).code, ExitCode.notFound);
  });

  test('edges list is for platform admins and says when no edge has registered', async () => {
    const list = await h.run(['edges', 'list']);
    assert.equal(list.code, ExitCode.ok, show(list));
    assert.match(list.stdout, /No edge has registered yet/);
    assert.equal((await h.run(['edges', 'show', 'nope'])).code, ExitCode.notFound);
  });
});
