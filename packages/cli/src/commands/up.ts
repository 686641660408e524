import { defineCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderFields } from '../output/table.js';
import { startInOrder, type Component } from '../up/components.js';
import { controlPlaneComponent } from '../up/control-plane-component.js';
import { runnerComponent } from '../up/runner-component.js';
import { edgeComponent } from '../up/edge-component.js';
import { resolveUpSettings, upDefaults } from '../up/settings.js';

/**
 * `berth up`: Berth on one machine, in this process. It prints where the API listens and where the
 * admin token was written (the path, never the token), then runs until SIGINT or SIGTERM, when it
 * stops every component in reverse order; a second signal ends the process at once (main.ts).
 */
export default defineCommand({
  path: ['up'],
  summary: 'Run Berth on this machine until stopped (Ctrl-C)',
  args: {},
  flags: {
    'data-dir': { type: 'string', value: 'DIR', help: `where the store, the admin token and the lock live (default: BERTH_DATA_DIR, ./${upDefaults.dataDir})` },
    'api-port': { type: 'string', value: 'PORT', help: `the API's port, 1 to 65535, or 0 for any free one (default: BERTH_API_PORT, ${upDefaults.port})` },
    'edge-port': { type: 'string', value: 'PORT', help: `the edge's port, where apps are served (default: BERTH_EDGE_PORT, ${upDefaults.edgePort})` },
    'nats-url': { type: 'string', value: 'URL', help: 'carry route events over NATS JetStream at URL instead of the embedded feed (default: BERTH_NATS_URL)' },
    host: { type: 'string', value: 'HOST', help: `the address to listen on (default: BERTH_HOST, ${upDefaults.host})` },
    'database-url': { type: 'string', value: 'URL', help: 'a PostgreSQL URL to use instead of the embedded PGlite (default: BERTH_DATABASE_URL)' },
    'base-domain': { type: 'string', value: 'DOMAIN', help: `apps are served at <app>.DOMAIN and previews at <app>--<id>.DOMAIN (default: BERTH_BASE_DOMAIN, ${upDefaults.baseDomain})` },
  },
  examples: ['berth up', 'berth up --data-dir /var/lib/berth --api-port 8080', 'BERTH_DATABASE_URL=postgres://berth@db/berth berth up'],
  handlesSignals: true,
  async run(ctx, { flags }) {
    const settings = resolveUpSettings(flags, ctx.upEnvironment);
    ctx.out.note(`starting Berth: ${settings.storeLabel}…`);
    let edgePort = settings.edgePort;
    const controlPlane = controlPlaneComponent(settings, { clock: ctx.clock, log: (line) => ctx.out.note(line), urlFor: (hostname) => `http://${hostname}${edgePort === 80 ? '' : `:${edgePort}`}/` });
    const apiUrl = () => controlPlane.info().url.replace('0.0.0.0', '127.0.0.1');
    const edge = edgeComponent(settings, {
      apiUrl,
      joinToken: () => controlPlane.controlPlane().createJoinToken('berth up edge', 10 * 60_000),
      routePublicKey: () => controlPlane.controlPlane().routeFeed.publicKeyText,
      log: (line) => ctx.out.note(line),
    });
    const runner = runnerComponent(settings, {
      apiUrl,
      joinToken: () => controlPlane.controlPlane().createJoinToken('berth up runner', 10 * 60_000),
      log: (line) => ctx.out.note(line),
    });
    // In start order; the dashboard joins here later.
    const components: Component[] = [controlPlane, { ...edge, start: async (signal) => { await edge.start(signal); edgePort = edge.port(); } }, runner];
    const running = await startInOrder(components, ctx.signal);
    const edgeUrl = `http://${settings.host.replace('0.0.0.0', '127.0.0.1')}:${edgePort}`;

    const info = controlPlane.info();
    const login = `berth login --api ${info.url} --token-stdin < ${info.tokenFile}`;
    ctx.out.result(
      { url: info.url, edgeUrl, dataDir: settings.dataDir, store: settings.storeLabel, tokenFile: info.tokenFile, firstStart: info.firstStart, appliedMigrations: info.appliedMigrations, components: running.names, pid: process.pid },
      () =>
        [
          'Berth is up.',
          '',
          renderFields(
            [
              ['API', info.url],
              ['edge', `${edgeUrl} (apps at http://<app>.${settings.baseDomain}:${edgePort}/, feed ${settings.natsUrl ? 'NATS JetStream' : 'embedded'})`],
              ['store', settings.storeLabel],
              ['admin token', `${info.tokenFile} (${info.firstStart ? 'written now: this is the first start' : 'written at the first start'})`],
              ['migrations', info.appliedMigrations.length > 0 ? `applied ${info.appliedMigrations.join(', ')}` : 'none to apply: the schema is up to date'],
              ['running', running.names.join(', ')],
            ],
            ctx.out.style,
          ),
          '',
          `Next: ${login}`,
          'Stop with Ctrl-C.',
        ].join('\n'),
    );

    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    ctx.out.note(`stopping… (${String(ctx.signal.reason)}; a second signal forces the exit)`);
    let failed = false;
    await running.stop((name, error) => {
      failed = true;
      ctx.out.note(`could not stop the ${name} cleanly: ${(error as Error).message}`);
    });
    ctx.out.note(failed ? 'stopped, with errors.' : 'stopped.');
    return failed ? ExitCode.environment : ExitCode.ok;
  },
});
