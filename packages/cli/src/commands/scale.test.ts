import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../exit-codes.js';
import { startCliHarness, type CliHarness } from '../test-support/cli-harness.js';
import { explain as show, parseJson } from '../test-support/run-cli.js';

describe('berth scale', () => {
  let h: CliHarness;
  let appId: string;
  const desired = async (env = 'production') =>
    (await h.t.cp.db.query<{ desired_count: number }>('SELECT desired_count FROM environments WHERE app_id = $1 AND name = $2', [appId, env]))[0]?.desired_count;

  before(async () => {
    h = await startCliHarness();
    appId = (await h.t.call('POST', '/api/apps', { body: { name: 'shop' } })).body.id;
  });
  after(async () => h?.close());

  test('sets the count of production, and says it runs nothing until a deployment is promoted', async () => {
    const result = await h.run(['scale', '--app', 'shop', '--count', '3']);
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.equal(result.stdout, 'Scaled shop production to 3 allocations.\n');
    assert.match(result.stderr, /production runs nothing until a deployment is promoted to it; preview environments run their deploy\./);
    assert.equal(await desired(), 3);
    const json = parseJson(await h.run(['scale', '--app', 'shop', '--env', 'production', '--count', '0', '--json']));
    assert.deepEqual(json, { environment: 'production', count: 0, deploymentId: null });
    assert.equal(await desired(), 0);
  });

  test('a count that is not a whole number is exit 2; out of range exit 5; nothing changes', async () => {
    await h.run(['scale', '--app', 'shop', '--count', '2']);
    for (const count of ['abc', '1.5', '-1']) {
      const result = await h.run(['scale', '--app', 'shop', `--count=${count}`]);
      assert.equal(result.code, ExitCode.usage, `${count}: ${show(result)}`);
      assert.match(result.stderr, /code: usage/);
    }
    const tooMany = await h.run(['scale', '--app', 'shop', '--count', '101', '--json']);
    assert.equal(tooMany.code, ExitCode.rejected, show(tooMany));
    assert.ok(parseJson(tooMany).error.code);
    const missing = await h.run(['scale', '--app', 'shop']);
    assert.equal(missing.code, ExitCode.usage, show(missing));
    assert.equal(await desired(), 2);
  });

  test('an unknown app or environment is exit 4', async () => {
    const app = await h.run(['scale', '--app', 'nope', '--count', '1']);
    assert.equal(app.code, ExitCode.notFound, show(app));
    const env = await h.run(['scale', '--app', 'shop', '--env', 'staging', '--count', '1']);
    assert.equal(env.code, ExitCode.notFound, show(env));
  });
});
