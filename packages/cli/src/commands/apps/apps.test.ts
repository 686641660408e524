import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

describe('berth apps', () => {
  let h: CliHarness;
  before(async () => {
    h = await startCliHarness();
  });
  after(async () => h?.close());

  test('create prints the app; --json prints exactly the created app as one document', async () => {
    const human = await h.run(['apps', 'create', 'shop']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^Created app shop \(app_[0-9A-Z]{26}\) with environments: production\.\n$/);
    assert.equal(human.stderr, '');
    const json = await h.run(['apps', 'create', 'blog', '--json']);
    assert.equal(json.code, ExitCode.ok, show(json));
    const app = parseJson(json);
    assert.equal(app.name, 'blog');
    assert.match(app.id, /^app_/);
    assert.deepEqual(app.environments.map((e: { name: string }) => e.name), ['production']);
  });

  test('create sends an Idempotency-Key, and a taken name is exit 5 with the API\'s code and hint', async () => {
    const [row] = await h.t.cp.db.query<{ key: string }>("SELECT key FROM idempotent_requests WHERE path = '/api/apps' ORDER BY created_at LIMIT 1");
    assert.match(row?.key ?? '', /^cli-[0-9a-f-]{36}$/);
    const taken = await h.run(['apps', 'create', 'shop']);
    assert.equal(taken.code, ExitCode.rejected, show(taken));
    assert.match(taken.stderr, /^error: An app named "shop" already exists\.\n {2}code: name_taken\n {2}hint: .+\n$/);
    const json = await h.run(['apps', 'create', 'shop', '--json']);
    assert.equal(json.code, ExitCode.rejected);
    assert.deepEqual(parseJson(json).error, { code: 'name_taken', message: 'An app named "shop" already exists.', suggestion: 'App names are global across organizations; choose another name.', status: 409 });
    const invalid = await h.run(['apps', 'create', 'Not_A_Name']);
    assert.equal(invalid.code, ExitCode.rejected, show(invalid));
    assert.match(invalid.stderr, /code: invalid_body/);
  });

  test('list shows an aligned table with relative times; --json the page', async () => {
    const human = await h.run(['apps', 'list']);
    assert.equal(human.code, ExitCode.ok, show(human));
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME {2,}ID {2,}CREATED$/);
    assert.match(lines[1]!, /^blog {2,}app_\S+ {2}(just now|\d+s ago)$/);
    assert.match(lines[2]!, /^shop {2,}app_\S+ {2}(just now|\d+s ago)$/);
    assert.equal(lines[1]!.indexOf('app_'), lines[0]!.indexOf('ID'), 'columns are aligned');
    const page = parseJson(await h.run(['apps', 'list', '--json']));
    assert.deepEqual(page.items.map((a: { name: string }) => a.name), ['blog', 'shop']);
    assert.equal(page.nextCursor, null);
  });

  test('list --limit shows one page and says more exist; --all follows the cursor to the end', async () => {
    for (const name of ['pa', 'pb', 'pc']) assert.equal((await h.run(['apps', 'create', name])).code, ExitCode.ok);
    const one = await h.run(['apps', 'list', '--limit', '2']);
    assert.equal(one.stdout.trimEnd().split('\n').filter((l) => l.includes('app_')).length, 2);
    assert.match(one.stdout, /More exist: run `berth apps list --all`/);
    const firstPage = parseJson(await h.run(['apps', 'list', '--limit', '2', '--json']));
    assert.equal(firstPage.items.length, 2);
    assert.equal(typeof firstPage.nextCursor, 'string');
    const all = parseJson(await h.run(['apps', 'list', '--limit', '2', '--all', '--json']));
    assert.deepEqual(all.items.map((a: { name: string }) => a.name), ['blog', 'pa', 'pb', 'pc', 'shop']);
    assert.equal(all.nextCursor, null);
  });

  test('show prints the app and its environments; by id too; --json the app', async () => {
    const human = await h.run(['apps', 'show', 'shop']);
    assert.equal(human.code, ExitCode.ok, show(human));
    assert.match(human.stdout, /^name: {5}shop$/m);
    assert.match(human.stdout, /^created: {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \((just now|\d+s ago)\)$/m);
    assert.match(human.stdout, /^ENVIRONMENT {2}KIND {8}RUNS {2}STATUS {2}ID {2,}CREATED$/m);
    assert.match(human.stdout, /^production {3}production {2}- {5}- {7}env_\S+ {2}\d{4}-/m);
    const app = parseJson(await h.run(['apps', 'show', 'shop', '--json']));
    assert.equal(app.environments[0].kind, 'production');
    const byId = parseJson(await h.run(['apps', 'show', app.id, '--json']));
    assert.equal(byId.name, 'shop');
  });

  test('a missing app is exit 4, in both forms', async () => {
    const human = await h.run(['apps', 'show', 'nothing-here']);
    assert.equal(human.code, ExitCode.notFound, show(human));
    assert.match(human.stderr, /^error: No app "nothing-here" in this organization\.\n {2}code: not_found\n {2}hint: Run `berth apps list` to see your apps\.\n$/);
    assert.equal(human.stdout, '');
    const json = await h.run(['apps', 'delete', 'nothing-here', '--yes', '--json']);
    assert.equal(json.code, ExitCode.notFound);
    assert.equal(parseJson(json).error.code, 'not_found');
  });

  test('delete refuses without --yes when stdin is not a terminal, and deletes with it', async () => {
    const refused = await h.run(['apps', 'delete', 'pa']);
    assert.equal(refused.code, ExitCode.usage, show(refused));
    assert.match(refused.stderr, /code: confirmation_required\n {2}hint: Pass --yes/);
    assert.equal((await h.run(['apps', 'show', 'pa'])).code, ExitCode.ok, 'still there');
    const deleted = await h.run(['apps', 'delete', 'pa', '--yes']);
    assert.equal(deleted.code, ExitCode.ok, show(deleted));
    assert.match(deleted.stdout, /^Deleted app pa \(app_\S+\)\.\n$/);
    assert.equal((await h.run(['apps', 'show', 'pa'])).code, ExitCode.notFound);
    const json = parseJson(await h.run(['apps', 'delete', 'pb', '--yes', '--json']));
    assert.equal(json.deleted.name, 'pb');
  });

  test('without a token the API\'s refusal is exit 3 and points at berth login', async () => {
    const result = await h.run(['apps', 'list'], { env: h.box.env({ BERTH_API_URL: h.url }) });
    assert.equal(result.code, ExitCode.auth, show(result));
    assert.match(result.stderr, /code: unauthenticated\n {2}hint: Run `berth login`/);
  });
});
