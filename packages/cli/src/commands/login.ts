import type { Whoami } from '../api-types.js';
import { CliError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';

/**
 * `berth login`: checks a token against the API (GET /api/whoami) and only then saves it with the
 * API URL in the config file, so a mistyped token is refused (exit 3) and nothing is written. The
 * token is never printed: it comes from --token, from stdin, or from a prompt that does not echo.
 */
export default defineCommand({
  path: ['login'],
  summary: 'Verify an API token and save it, with the API URL, for later commands',
  args: {},
  flags: {
    'token-stdin': { type: 'boolean', help: 'read the token from stdin, e.g. `< .berth/admin-token`' },
  },
  examples: ['berth login --api http://127.0.0.1:7070 --token-stdin < .berth/admin-token', 'berth login   # asks for the token without echoing it'],
  async run(ctx, { flags }) {
    const fromFlag = ctx.target.tokenSource === '--token' ? ctx.target.token : undefined;
    if (fromFlag !== undefined && flags['token-stdin']) throw usageError('Give --token or --token-stdin, not both.', 'Prefer --token-stdin: a token on the command line stays in the shell history.');
    let token: string;
    if (flags['token-stdin']) token = (await ctx.terminal.readStdin()).trim();
    else if (fromFlag !== undefined) token = fromFlag;
    else if (ctx.terminal.stdinIsTTY) token = (await ctx.terminal.ask(`API token for ${ctx.target.url}: `, { hidden: true })).trim();
    else throw usageError('No token given, and stdin is not a terminal to ask on.', 'Pass --token-stdin and pipe the token in, e.g. `berth login --token-stdin < .berth/admin-token`.');
    if (token === '' || /\s/.test(token)) throw usageError(token === '' ? 'The token is empty.' : 'The token contains spaces; a Berth token is one word (berth_...).', 'Copy it again from the admin-token file or from `berth tokens create`.');

    const me = await ctx
      .client({ token })
      .get<Whoami>('/api/whoami')
      .catch((error: unknown) => {
        // The API's hint says "run berth login", which is what is being done: say what to check instead.
        if (error instanceof CliError && error.exitCode === ExitCode.auth) {
          throw new CliError(error.code, `${ctx.target.url} refused this token: ${error.message}`, { exitCode: error.exitCode, ...(error.status ? { status: error.status } : {}), suggestion: 'Nothing was saved. Copy the token again (from <data dir>/admin-token, or ask an admin for `berth tokens create`).' });
        }
        throw error;
      });
    ctx.config.write({ ...ctx.config.read(), apiUrl: ctx.target.url, token });
    ctx.out.result({ apiUrl: ctx.target.url, organization: me.organization, token: me.token, configFile: ctx.config.path }, () =>
      [
        `Logged in to ${ctx.target.url} as token "${me.token.name}" (${me.token.role}) of organization ${me.organization.name} (${me.organization.id}).`,
        `Saved to ${ctx.config.path}.`,
      ].join('\n'),
    );
  },
});
