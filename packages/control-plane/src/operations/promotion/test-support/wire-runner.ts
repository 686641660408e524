import { WebSocket } from 'ws';
import { runnerProtocolVersion, type AllocationAssignment, type ControlMessage, type RunnerMessage } from '@berth/core';
import type { TestControlPlane } from '../../../testing/index.js';

type Report = Omit<Extract<RunnerMessage, { type: 'allocation.report' }>, 'type' | 'allocationId' | 'version'>;

/**
 * A runner that speaks the real runner protocol over a real WebSocket but runs nothing: it joins
 * with a join token, reports each assigned allocation through pulling and starting to ready (with
 * the gates a runner records), and drains and stops it when told. The scheduler, the runner hub and
 * the engine's fenced reports are the real ones; only the app process is missing, which promotion
 * tests do not need. `hold` keeps chosen allocations from ever passing readiness.
 */
export class WireRunner {
  /** Each allocation's last state as this runner reported it. */
  readonly states = new Map<string, string>();
  readonly #waiting = new Map<string, (newVersion: number | undefined) => void>();
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(private readonly ws: WebSocket, private readonly hold: (a: AllocationAssignment) => boolean) {}

  static async join(t: TestControlPlane, apiUrl: string, options: { name?: string; hold?: (a: AllocationAssignment) => boolean } = {}): Promise<WireRunner> {
    const joinToken = await t.cp.createJoinToken('wire-runner', 60_000);
    const joined = await t.call('POST', '/api/runners/join', { token: null, body: { joinToken, name: options.name ?? 'wire-runner', capacity: { cpus: 4, memoryBytes: 16 * 1024 ** 3 }, runnerVersion: 'wire-test' } });
    if (joined.status !== 200) throw new Error(`join failed: ${JSON.stringify(joined.body)}`);
    const ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/runners/connect`, { headers: { authorization: `Bearer ${joined.body.token}` } });
    const runner = new WireRunner(ws, options.hold ?? (() => false));
    ws.on('message', (data) => runner.#onMessage(JSON.parse(data.toString()) as ControlMessage));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return runner;
  }

  #send(message: RunnerMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  #onMessage(message: ControlMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#send({ type: 'hello', protocol: runnerProtocolVersion, runnerVersion: 'wire-test', capacity: { cpus: 4, memoryBytes: 16 * 1024 ** 3 }, allocations: [] });
        this.#heartbeat = setInterval(() => this.#send({ type: 'heartbeat', at: new Date().toISOString(), allocations: [] }), message.heartbeatMs);
        return;
      case 'allocation.start':
        void this.#start(message.assignment).catch(() => {});
        return;
      case 'allocation.stop':
        void this.#stop(message.allocationId, message.version).catch(() => {});
        return;
      case 'report.accepted':
      case 'report.refused':
        this.#waiting.get(`${message.allocationId}@${message.version}`)?.(message.type === 'report.accepted' ? message.newVersion : undefined);
        return;
      default:
        return;
    }
  }

  /** Sends one report and resolves with the allocation's version after it, or throws when refused. */
  async #report(allocationId: string, version: number, report: Report): Promise<number> {
    const answered = new Promise<number | undefined>((resolve) => this.#waiting.set(`${allocationId}@${version}`, resolve));
    this.#send({ type: 'allocation.report', allocationId, version, ...report });
    const next = await answered;
    this.#waiting.delete(`${allocationId}@${version}`);
    if (next === undefined) throw new Error(`report ${report.to ?? report.failureMode} on ${allocationId} refused`);
    if (report.to) this.states.set(allocationId, report.to);
    return next;
  }

  async #start(a: AllocationAssignment): Promise<void> {
    const pass = (gate: string) => ({ gate, status: 'pass' as const, evidence: { runner: 'wire-test' } });
    let version = await this.#report(a.allocationId, a.version, { to: 'pulling', sentence: `Pulling ${a.digest}.` });
    version = await this.#report(a.allocationId, version, { to: 'starting', sentence: 'Starting.', gates: [pass('artifact digest verified'), pass('env/secrets mounted')] });
    if (this.hold(a)) return;
    await this.#report(a.allocationId, version, { to: 'ready', sentence: 'Ready.', gates: [pass('health/readiness pass')], address: { host: '127.0.0.1', port: 9 } });
  }

  async #stop(allocationId: string, version: number): Promise<void> {
    if (this.states.get(allocationId) === 'starting') {
      await this.#report(allocationId, version, { to: 'failed', sentence: 'Stopped before it passed readiness.' });
      return;
    }
    const next = await this.#report(allocationId, version, { to: 'draining', sentence: 'Draining.' });
    await this.#report(allocationId, next, { to: 'stopped', sentence: 'Stopped.', gates: [{ gate: 'drain deadline respected', status: 'pass', evidence: { runner: 'wire-test' } }] });
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.ws.close();
  }
}
