import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from './exit-codes.js';
import { explain as show, parseJson, runCli, sandbox, type Sandbox } from './test-support/run-cli.js';

/** Port of a socket that was just closed: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the berth command line (no API needed)', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box?.remove());
  const run = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: box.env(extra) });

  test('usage errors exit 2 with the message and a hint on stderr, and nothing on stdout', async () => {
    for (const args of [[], ['apps'], ['apps', 'create'], ['apps', 'list', '--bogus'], ['nope'], ['apps', 'show', 'a', 'b'], ['apps', 'list', '--limit', '0'], ['apps', 'list', '--limit']]) {
      const result = await run(args);
      assert.equal(result.code, ExitCode.usage, `berth ${args.join(' ')}: ${show(result)}`);
      assert.equal(result.stdout, '', `berth ${args.join(' ')} printed on stdout`);
      assert.match(result.stderr, /^error: .+\n {2}code: usage\n {2}hint: .+\n$/, `berth ${args.join(' ')}`);
    }
  });

  test('with --json a usage error is also one JSON document on stdout', async () => {
    const result = await run(['apps', 'list', '--json', '--bogus']);
    assert.equal(result.code, ExitCode.usage);
    assert.deepEqual(Object.keys(parseJson(result).error).sort(), ['code', 'message', 'suggestion']);
    assert.equal(parseJson(result).error.code, 'usage');
    assert.match(result.stderr, /Unknown option --bogus/);
  });

  test('--help prints the usage of each command with exit 0; --version the version', async () => {
    const overview = await run(['--help']);
    assert.equal(overview.code, ExitCode.ok);
    for (const line of ['apps create NAME', 'ops watch ID', 'tokens revoke ID', 'orgs create NAME', 'up']) assert.ok(overview.stdout.includes(line), line);
    const help = await run(['ops', 'list', '-h']);
    assert.equal(help.code, ExitCode.ok);
    assert.match(help.stdout, /^Usage: berth ops list \[--kind K\] \[--state S\] \[--subject ID\] \[--limit N\] \[--all\]/);
    assert.match(help.stdout, /--json/);
    assert.match((await run(['help', 'apps'])).stdout, /apps delete APP/);
    const version = await run(['--version']);
    assert.match(version.stdout, /^berth \d+\.\d+\.\d+\n$/);
    assert.match(parseJson(await run(['--version', '--json'])).version, /^\d+\.\d+\.\d+$/);
  });

  test('deploy: a one-word command beside its verbs, an optional DIR, variadic secrets; refusals never quote a value', async () => {
    const help = await run(['deploy', '--help']);
    assert.equal(help.code, ExitCode.ok);
    assert.match(help.stdout, /^Usage: berth deploy \[DIR\] \[--app APP\] \[--env ENV\] \[--git URL\] \[--ref REF\] \[--max-size SIZE\] \[--detach\]/);
    assert.match(help.stdout, /^Related commands:\n {2}deploy watch ID/m);
    for (const line of ['deploy [DIR]', 'deploy retry ID', 'deployments show ID', 'secrets set [NAME=VALUE...]', 'secrets unset NAME...']) assert.ok((await run(['--help'])).stdout.includes(line), line);
    assert.match((await run(['secrets', 'unset', '-h'])).stdout, /^Usage: berth secrets unset NAME\.\.\. \[--app APP\] \[--env ENV\]/);
    const refusals: Array<[string[], RegExp]> = [
      [['deploy', 'watch'], /Missing ID for `berth deploy watch`/],
      [['deploy', '--git', 'https://example.com/r.git'], /--git needs --ref/],
      [['deploy', '--ref', 'main', '--app', 'x'], /--ref only goes with --git/],
      [['deploy', 'site', '--git', 'u', '--ref', 'main', '--app', 'x'], /either a folder or --git/],
      [['deploy', box.home], /No --app given, and berth\.toml names none/],
      [['deploy', '--app', 'x', '--max-size', 'lots'], /--max-size must be a size/],
      [['secrets', 'unset', '--app', 'x'], /Missing NAME for `berth secrets unset`/],
      [['secrets', 'set', 'A=1', '--app', 'x', '--from-stdin', 'A'], /A is given both/],
      [['secrets', 'list'], /Missing --app/],
      [['apps', 'show', 'shop', 'TOKEN=hunter2'], /Unexpected argument "TOKEN=…"/],
      [['secrets', 'TOKEN=hunter2'], /Unknown command "berth secrets TOKEN=…"/],
    ];
    for (const [args, message] of refusals) {
      const result = await run(args);
      assert.equal(result.code, ExitCode.usage, `berth ${args.join(' ')}: ${show(result)}`);
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes('hunter2'), 'a value was echoed');
    }
  });

  test('an API that does not answer is exit 7 with a hint, in both forms', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const human = await run(['apps', 'list'], { BERTH_API_URL: url, BERTH_TOKEN: 'berth_x' });
    assert.equal(human.code, ExitCode.unreachable, show(human));
    assert.match(human.stderr, /error: Could not reach the Berth API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.match(human.stderr, /hint: is `berth up` running\? check BERTH_API_URL/);
    const json = await run(['whoami', '--json', '--api', url]);
    assert.equal(json.code, ExitCode.unreachable);
    assert.equal(parseJson(json).error.code, 'api_unreachable');
  });

  test('a malformed API URL names the setting it came from', async () => {
    const result = await run(['apps', 'list'], { BERTH_API_URL: 'ftp://example' });
    assert.equal(result.code, ExitCode.usage, show(result));
    assert.match(result.stderr, /BERTH_API_URL must be an http:\/\/ or https:\/\/ URL/);
  });
});
