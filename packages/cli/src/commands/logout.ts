import { defineCommand } from '../command.js';

/** `berth logout`: forgets the saved token, keeping the API URL. It does not revoke the token. */
export default defineCommand({
  path: ['logout'],
  summary: 'Forget the saved token (it stays valid: revoke it with `berth tokens revoke`)',
  args: {},
  flags: {},
  examples: ['berth logout'],
  async run(ctx) {
    const { token, ...rest } = ctx.config.read();
    if (token !== undefined) ctx.config.write(rest);
    ctx.out.result({ loggedOut: token !== undefined, configFile: ctx.config.path }, () =>
      token !== undefined ? `Forgot the token saved in ${ctx.config.path}.` : `No token was saved in ${ctx.config.path}; nothing to forget.`,
    );
  },
});
