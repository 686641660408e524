import { CliError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';

function parseLabels(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const labels: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const [key, value] = pair.split('=');
    if (!key || value === undefined) throw usageError(`--labels takes key=value pairs separated by commas: got "${raw}".`, 'For example --labels disk=ssd,zone=a.');
    labels[key.trim()] = value.trim();
  }
  return labels;
}

/**
 * `berth runner`: the runner agent on this host. It joins the control plane with a join token,
 * keeps a WebSocket to it, runs the allocations it is given with the chosen driver, and stops
 * them when told; until SIGINT or SIGTERM, when it stops its allocations and disconnects.
 */
export default defineCommand({
  path: ['runner'],
  summary: 'Run the runner agent on this host: join the control plane and run allocations',
  args: {},
  flags: {
    join: { type: 'string', value: 'TOKEN', help: 'a join token from `berth runners join-token` (default: BERTH_JOIN_TOKEN)' },
    name: { type: 'string', value: 'NAME', help: 'this host\'s name (default: the machine\'s hostname)' },
    region: { type: 'string', value: 'REGION', help: 'the region placement matches against (default "default")' },
    labels: { type: 'string', value: 'K=V,...', help: 'labels placement matches against' },
    'data-dir': { type: 'string', value: 'DIR', help: 'the artifact cache and allocations\' folders (default ./.berth-runner)' },
    driver: { type: 'string', value: 'process|docker', help: 'how allocations run (default process; docker speaks the Docker Engine API)' },
    'docker-socket': { type: 'string', value: 'PATH', help: 'the Docker (or Podman) API socket (default BERTH_DOCKER_SOCKET, /var/run/docker.sock)' },
  },
  examples: ['berth runner --api http://10.0.0.1:7070 --join berth_join_...', 'BERTH_JOIN_TOKEN=... berth runner --api http://cp:7070 --name web-2 --region eu --driver docker'],
  handlesSignals: true,
  async run(ctx, { flags }) {
    const joinToken = flags.join ?? ctx.upEnvironment.joinToken;
    if (!joinToken) throw usageError('A runner needs a join token.', 'Create one with `berth runners join-token` and pass it with --join (or BERTH_JOIN_TOKEN).');
    const driver = flags.driver ?? 'process';
    if (!['process', 'docker'].includes(driver)) throw usageError(`--driver must be process or docker: got "${driver}".`, 'Leave it out for the process driver.');
    const apiUrl = ctx.target.url;
    const { startRunner, ControlPlaneRefusal } = await import('@berth/runner');
    let agent;
    try {
      agent = await startRunner({
        apiUrl, joinToken, dataDir: flags['data-dir'] ?? '.berth-runner', driver: driver as 'process' | 'docker', labels: parseLabels(flags.labels),
        ...(flags.name ? { name: flags.name } : {}), ...(flags.region ? { region: flags.region } : {}),
        ...((flags['docker-socket'] ?? ctx.upEnvironment.dockerSocket) ? { dockerSocket: flags['docker-socket'] ?? ctx.upEnvironment.dockerSocket } : {}),
        log: (line) => ctx.out.note(line),
      });
    } catch (error) {
      if (error instanceof ControlPlaneRefusal) {
        throw new CliError(error.code, `The control plane refused this runner: ${error.message}`, { exitCode: error.status === 401 || error.status === 403 ? ExitCode.auth : ExitCode.rejected, status: error.status, ...(error.suggestion ? { suggestion: error.suggestion } : {}) });
      }
      throw new CliError('api_unreachable', `Cannot reach the control plane at ${apiUrl}: ${(error as Error).message}`, { exitCode: ExitCode.unreachable, suggestion: 'Check --api and that the control plane is running.' });
    }
    ctx.out.result({ hostId: agent.hostId, api: apiUrl, driver }, () => `Runner joined ${apiUrl} as host ${agent.hostId} (driver ${driver}). Stop with Ctrl-C.`);
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    ctx.out.note('stopping the runner: its allocations are stopped…');
    await agent.stop();
    ctx.out.note('stopped.');
    return ExitCode.ok;
  },
});
