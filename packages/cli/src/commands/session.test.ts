import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../exit-codes.js';
import { startCliHarness, type CliHarness } from '../test-support/cli-harness.js';
import { explain as show, parseJson, sandbox, type Sandbox } from '../test-support/run-cli.js';

describe('berth login, whoami, logout', () => {
  let h: CliHarness;
  let box: Sandbox;
  before(async () => {
    h = await startCliHarness();
  });
  after(async () => {
    await box?.remove();
    await h?.close();
  });

  test('a wrong token is refused with exit 3 and nothing is saved', async () => {
    box = await sandbox();
    const result = await h.run(['login', '--api', h.url, '--token-stdin'], { env: box.env(), input: `berth_${'A'.repeat(43)}\n` });
    assert.equal(result.code, ExitCode.auth, show(result));
    assert.match(result.stderr, /error: .*refused this token/);
    assert.match(result.stderr, /code: unauthenticated/);
    assert.match(result.stderr, /hint: Nothing was saved/);
    assert.equal(existsSync(box.configFile), false);
  });

  test('a good token from stdin is verified, saved with mode 0600 in a 0700 folder, and never printed', async () => {
    const result = await h.run(['login', '--api', h.url, '--token-stdin'], { env: box.env(), input: `${h.t.adminToken}\n` });
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.match(result.stdout, /Logged in to http:\/\/127\.0\.0\.1:\d+ as token "admin \(created at first start\)" \(admin\) of organization default/);
    assert.ok(!result.stdout.includes(h.t.adminToken) && !result.stderr.includes(h.t.adminToken), 'the token is never printed');
    assert.equal(statSync(box.configFile).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(box.configFile)).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(readFileSync(box.configFile, 'utf8')), { apiUrl: h.url, token: h.t.adminToken });
  });

  test('whoami uses the saved login, in human and JSON form', async () => {
    const human = await h.run(['whoami'], { env: box.env() });
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /organization:\s+default \(org_/);
    assert.match(human.stdout, /role:\s+admin/);
    assert.match(human.stdout, /token from:\s+.*config\.json/);
    const json = parseJson(await h.run(['whoami', '--json'], { env: box.env() }));
    assert.equal(json.organization.name, 'default');
    assert.equal(json.token.role, 'admin');
    assert.equal(json.apiUrl, h.url);
    assert.equal(JSON.stringify(json).includes(h.t.adminToken), false);
  });

  test('BERTH_TOKEN and --token override the saved token', async () => {
    const result = await h.run(['whoami', '--json'], { env: box.env({ BERTH_TOKEN: 'berth_wrong' }) });
    assert.equal(result.code, ExitCode.auth, show(result));
    assert.equal(parseJson(result).error.code, 'unauthenticated');
    const flag = await h.run(['whoami', '--token', h.t.adminToken], { env: box.env({ BERTH_TOKEN: 'berth_wrong' }) });
    assert.equal(flag.code, ExitCode.ok, show(flag));
  });

  test('login --json prints one document without the token; --token and --token-stdin together is a usage error', async () => {
    const result = await h.run(['login', '--json', '--api', h.url, '--token-stdin'], { env: box.env(), input: h.t.adminToken });
    assert.equal(result.code, ExitCode.ok, show(result));
    const doc = parseJson(result);
    assert.equal(doc.organization.name, 'default');
    assert.equal(doc.configFile, box.configFile);
    assert.equal(result.stdout.includes(h.t.adminToken), false);
    const both = await h.run(['login', '--token', 'x', '--token-stdin'], { env: box.env(), input: 'y' });
    assert.equal(both.code, ExitCode.usage, show(both));
  });

  test('login without a token and without a terminal is a usage error', async () => {
    const result = await h.run(['login', '--api', h.url], { env: box.env() });
    assert.equal(result.code, ExitCode.usage, show(result));
    assert.match(result.stderr, /--token-stdin/);
  });

  test('logout forgets the token but keeps the API URL; then the API asks for a token (exit 3)', async () => {
    const result = await h.run(['logout'], { env: box.env() });
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.deepEqual(JSON.parse(readFileSync(box.configFile, 'utf8')), { apiUrl: h.url });
    assert.equal(statSync(box.configFile).mode & 0o777, 0o600);
    const whoami = await h.run(['whoami'], { env: box.env() });
    assert.equal(whoami.code, ExitCode.auth, show(whoami));
    assert.match(whoami.stderr, /hint: Run `berth login`/);
    const again = parseJson(await h.run(['logout', '--json'], { env: box.env() }));
    assert.equal(again.loggedOut, false);
  });

  test('a config file that is not JSON is named, with exit 8', async () => {
    const broken = await sandbox();
    try {
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(dirname(broken.configFile), { recursive: true });
      writeFileSync(broken.configFile, '{ nope');
      const result = await h.run(['whoami'], { env: broken.env() });
      assert.equal(result.code, ExitCode.environment, show(result));
      assert.match(result.stderr, /config\.json is not valid JSON/);
      assert.match(result.stderr, /code: invalid_config/);
    } finally {
      await broken.remove();
    }
  });
});
