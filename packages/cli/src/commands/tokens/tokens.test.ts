import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

describe('berth tokens and berth orgs', () => {
  let h: CliHarness;
  before(async () => {
    h = await startCliHarness();
  });
  after(async () => h?.close());

  test('tokens create prints the secret once on stdout with a warning on stderr; list never shows it', async () => {
    const created = await h.run(['tokens', 'create', 'ci']);
    assert.equal(created.code, ExitCode.ok, show(created));
    const secret = created.stdout.trimEnd().split('\n').at(-1)!;
    assert.match(secret, /^berth_\S+$/);
    assert.match(created.stdout, /Created token "ci" \(tok_\S+, member\)/);
    assert.match(created.stderr, /shown once/);
    const listed = await h.run(['tokens', 'list']);
    assert.equal(listed.code, ExitCode.ok, show(listed));
    assert.match(listed.stdout, /^ID {2,}NAME {2,}ROLE {2,}PREFIX {2,}CREATED {2,}LAST USED$/m);
    assert.match(listed.stdout, /^tok_\S+ {2}ci {2,}member {2}berth_\S+… {2}(just now|\d+s ago) {2,}-$/m);
    assert.equal(listed.stdout.includes(secret), false);
    const member = await h.run(['whoami', '--json'], { env: h.box.env({ BERTH_API_URL: h.url, BERTH_TOKEN: secret }) });
    assert.equal(parseJson(member).token.role, 'member');
  });

  test('a member may not create tokens or organizations: exit 3', async () => {
    const { secret } = parseJson(await h.run(['tokens', 'create', 'reader', '--json']));
    const env = h.box.env({ BERTH_API_URL: h.url, BERTH_TOKEN: secret });
    for (const args of [['tokens', 'create', 'x'], ['orgs', 'create', 'acme']]) {
      const result = await h.run(args, { env });
      assert.equal(result.code, ExitCode.auth, show(result));
      assert.match(result.stderr, /code: forbidden/);
    }
  });

  test('tokens revoke stops the token at once; an unknown id is exit 4; a bad --role is exit 2', async () => {
    const created = parseJson(await h.run(['tokens', 'create', 'temp', '--role', 'admin', '--json']));
    assert.equal(created.token.role, 'admin');
    const revoked = await h.run(['tokens', 'revoke', created.token.id]);
    assert.equal(revoked.code, ExitCode.ok, show(revoked));
    const refused = await h.run(['whoami'], { env: h.box.env({ BERTH_API_URL: h.url, BERTH_TOKEN: created.secret }) });
    assert.equal(refused.code, ExitCode.auth);
    assert.equal((await h.run(['tokens', 'revoke', created.token.id])).code, ExitCode.notFound);
    assert.equal((await h.run(['tokens', 'create', 'x', '--role', 'owner'])).code, ExitCode.usage);
  });

  test('orgs create prints the new organization\'s admin token once; that token acts in the new organization', async () => {
    const created = await h.run(['orgs', 'create', 'acme', '--json']);
    assert.equal(created.code, ExitCode.ok, show(created));
    const doc = parseJson(created);
    assert.equal(doc.organization.name, 'acme');
    assert.equal(doc.token.role, 'admin');
    const me = parseJson(await h.run(['whoami', '--json'], { env: h.box.env({ BERTH_API_URL: h.url, BERTH_TOKEN: doc.secret }) }));
    assert.equal(me.organization.id, doc.organization.id);
    const again = await h.run(['orgs', 'create', 'acme']);
    assert.equal(again.code, ExitCode.rejected, show(again));
    assert.match(again.stderr, /code: name_taken/);
  });
});
