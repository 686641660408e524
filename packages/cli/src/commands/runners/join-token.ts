import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';

/** `berth runners join-token`: a token a new host joins with (platform admin); shown once. */
export default defineCommand({
  path: ['runners', 'join-token'],
  summary: 'Create a join token for a new runner host (platform admin); shown once',
  args: {},
  flags: {
    ttl: { type: 'string', value: 'MINUTES', help: 'how long it stays valid, in minutes (default 60)' },
    name: { type: 'string', value: 'NAME', help: 'what it is for' },
  },
  examples: ['berth runners join-token', 'berth runner --api http://cp:7070 --join "$(berth runners join-token --ttl 10)"'],
  async run(ctx, { flags }) {
    const ttl = flags.ttl === undefined ? 60 : Number(flags.ttl);
    if (!Number.isInteger(ttl) || ttl < 1) throw usageError(`--ttl must be a whole number of minutes: got "${flags.ttl}".`, 'For example --ttl 30.');
    const created = await ctx.client().post<{ id: string; secret: string; expiresAt: string }>('/api/runners/join-tokens', { ttlMinutes: ttl, ...(flags.name ? { name: flags.name } : {}) });
    ctx.out.note(`This join token is shown once and expires at ${created.expiresAt}.`);
    ctx.out.result(created, () => created.secret);
  },
});
