import { CliError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { parseNatsUrl, parsePort, upDefaults } from '../up/settings.js';

/**
 * `berth edge`: the edge (Berth's reverse proxy) on this host. It registers with the control plane
 * with a join token, starts from the route snapshot it verifies with the control plane's public
 * key (or the last one it kept on disk), follows the route feed (embedded, or NATS JetStream with
 * --nats-url), and serves app traffic until SIGINT or SIGTERM, when it finishes open requests.
 */
export default defineCommand({
  path: ['edge'],
  summary: 'Run an edge on this host: follow the route feed and serve app traffic',
  args: {},
  flags: {
    join: { type: 'string', value: 'TOKEN', help: 'a join token from `berth runners join-token` (default: BERTH_JOIN_TOKEN)' },
    port: { type: 'string', value: 'PORT', help: `where to serve app traffic (default: BERTH_EDGE_PORT, ${upDefaults.edgePort})` },
    listen: { type: 'string', value: 'HOST', help: 'the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
    name: { type: 'string', value: 'NAME', help: 'this edge\'s name (default: the machine\'s hostname)' },
    region: { type: 'string', value: 'REGION', help: 'the region it serves (default "default")' },
    'data-dir': { type: 'string', value: 'DIR', help: 'where the last verified snapshot and the asset cache live (default ./.berth-edge)' },
    'route-key': { type: 'string', value: 'KEY', help: 'the control plane\'s route public key, ed25519:... (default: BERTH_ROUTE_KEY; else pinned at first registration)' },
    'nats-url': { type: 'string', value: 'URL', help: 'follow route events over NATS JetStream (default: BERTH_NATS_URL; else the embedded feed)' },
    'nats-stream': { type: 'string', value: 'NAME', help: 'the JetStream stream of route events (default BERTH_ROUTE_EVENTS; the control plane\'s natsStream)' },
    'nats-subject': { type: 'string', value: 'SUBJECT', help: 'its subject (default berth.route.events)' },
  },
  examples: ['berth edge --api http://10.0.0.1:7070 --join berth_join_... --listen 0.0.0.0 --port 80', 'BERTH_NATS_URL=nats://10.0.0.2:4222 berth edge --api http://cp:7070 --join ... --route-key ed25519:...'],
  handlesSignals: true,
  async run(ctx, { flags }) {
    const joinToken = flags.join ?? ctx.upEnvironment.joinToken;
    if (!joinToken) throw usageError('An edge needs a join token.', 'Create one with `berth runners join-token` and pass it with --join (or BERTH_JOIN_TOKEN).');
    const portSetting = flags.port !== undefined ? [flags.port, '--port'] as const : ctx.upEnvironment.edgePort ? [ctx.upEnvironment.edgePort, 'BERTH_EDGE_PORT'] as const : undefined;
    const port = portSetting ? parsePort(portSetting) : upDefaults.edgePort;
    const natsSetting = flags['nats-url'] !== undefined ? [flags['nats-url'], '--nats-url'] as const : ctx.upEnvironment.natsUrl ? [ctx.upEnvironment.natsUrl, 'BERTH_NATS_URL'] as const : undefined;
    const natsUrl = natsSetting ? parseNatsUrl(natsSetting) : undefined;
    const routeKey = flags['route-key'] ?? ctx.upEnvironment.routeKey;
    const apiUrl = ctx.target.url;
    const { startEdge } = await import('@berth/edge');
    let edge;
    try {
      edge = await startEdge({
        controlPlaneUrl: apiUrl, joinToken, dataDir: flags['data-dir'] ?? '.berth-edge', host: flags.listen ?? '127.0.0.1', port,
        name: flags.name ?? (await import('node:os')).hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
        ...(flags.region ? { region: flags.region } : {}),
        ...(routeKey ? { routePublicKey: routeKey } : {}),
        transport: natsUrl ? 'jetstream' : 'embedded', ...(natsUrl ? { natsUrl } : {}),
        ...(flags['nats-stream'] ? { natsStream: flags['nats-stream'] } : {}), ...(flags['nats-subject'] ? { natsSubject: flags['nats-subject'] } : {}),
        log: (line: string) => ctx.out.note(line),
      });
    } catch (error) {
      const e = error as { code?: unknown; status?: number; message?: string; suggestion?: string };
      if (e.code === 'EADDRINUSE') throw new CliError('port_in_use', `Port ${port} is already in use.`, { exitCode: ExitCode.environment, suggestion: 'Choose another with --port (or BERTH_EDGE_PORT).' });
      if (typeof e.status === 'number') throw new CliError(typeof e.code === 'string' ? e.code : 'edge_refused', `The control plane refused this edge: ${e.message}`, { exitCode: e.status === 401 || e.status === 403 ? ExitCode.auth : ExitCode.rejected, status: e.status, ...(e.suggestion ? { suggestion: e.suggestion } : {}) });
      if (typeof e.code === 'string' && typeof e.suggestion === 'string') throw new CliError(e.code, e.message ?? String(error), { exitCode: ExitCode.environment, suggestion: e.suggestion });
      throw new CliError('api_unreachable', `Cannot start the edge against ${apiUrl}: ${e.message ?? String(error)}`, { exitCode: ExitCode.unreachable, suggestion: 'Check --api and that the control plane is running.' });
    }
    ctx.out.result({ edgeId: edge.edgeId, url: edge.url, port: edge.port, api: apiUrl, transport: natsUrl ? 'jetstream' : 'embedded' }, () => `Edge ${edge.edgeId} serves ${edge.url}, following ${natsUrl ? `NATS JetStream at ${natsUrl}` : `the embedded feed of ${apiUrl}`}. Stop with Ctrl-C.`);
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    ctx.out.note('stopping the edge: open requests finish first…');
    await edge.close();
    ctx.out.note('stopped.');
    return ExitCode.ok;
  },
});
