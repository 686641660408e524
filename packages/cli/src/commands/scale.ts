import { createApiClient } from '../api-client.js';
import type { ScaleResult } from '../api-types.js';
import { usageError } from '../cli-error.js';
import { defineCommand, type CommandContext } from '../command.js';

/**
 * Sends a PUT through the CLI's API client. The client has no `put` yet (api-client.ts is outside
 * this change), so this hands it a fetch that turns its POST into a PUT: the request keeps the
 * client's token, timeout, and mapping of API errors and network failures to exit codes. No
 * idempotency key is sent, so it is not retried; setting a count twice is harmless anyway.
 * Replace with `ctx.client().put(...)` once the client has one.
 */
async function put<T>(ctx: CommandContext, path: string, body: unknown): Promise<T> {
  const asPut: typeof fetch = (input, init) => globalThis.fetch(input, { ...init, method: 'PUT' });
  const client = createApiClient({ baseUrl: ctx.target.url, token: ctx.target.token, fetch: asPut, signal: ctx.signal, userAgent: `berth-cli/${ctx.version} node/${process.versions.node}` });
  return client.post<T>(path, body);
}

/**
 * `berth scale --app APP --count N`: how many allocations an environment runs. The scheduler
 * places or stops allocations to match; a scale also lifts a crash loop, so it doubles as
 * "try again". An environment with no deployment yet keeps the count for when it gets one.
 */
export default defineCommand({
  path: ['scale'],
  summary: 'Set how many allocations an environment runs (also clears a crash loop)',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    env: { type: 'string', value: 'ENV', help: 'the environment (default production)' },
    count: { type: 'string', value: 'N', help: 'how many allocations, 0 to 100 (required; 0 stops them all)' },
  },
  examples: ['berth scale --app shop --count 3', 'berth scale --app shop --env staging --count 0', 'berth scale --app shop --count 2 --json'],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth scale`.', 'For example `berth scale --app shop --count 2`.');
    if (flags.count === undefined) throw usageError('Missing --count for `berth scale`.', 'For example `berth scale --app shop --count 2`; 0 stops every allocation.');
    // The shape is checked here; the range (0 to 100) is the API's to enforce, so it stays in one place.
    if (!/^\d{1,9}$/.test(flags.count)) throw usageError(`--count must be a whole number: got "${flags.count}".`, 'For example --count 2; the API accepts 0 to 100.');
    const env = flags.env ?? 'production';
    const path = `/api/apps/${encodeURIComponent(flags.app)}/environments/${encodeURIComponent(env)}/scale`;
    const result = await put<ScaleResult>(ctx, path, { count: Number(flags.count) });
    if (result.deploymentId === null) {
      ctx.out.note(`${result.environment} has no deployment yet, so the count waits: ${result.environment} runs nothing until a deployment is promoted to it; preview environments run their deploy.`);
    }
    const what = `${result.count} allocation${result.count === 1 ? '' : 's'}`;
    ctx.out.result(result, () =>
      result.deploymentId === null
        ? `Scaled ${flags.app} ${result.environment} to ${what}.`
        : `Scaled ${flags.app} ${result.environment} to ${what} of ${result.deploymentId}; \`berth allocs list --app ${flags.app} --env ${result.environment}\` shows them.`,
    );
  },
});
