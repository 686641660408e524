import { WebSocket } from 'ws';
import { runnerProtocolVersion, type AllocationAssignment, type ControlMessage, type RunnerMessage } from '@berth/core';
import type { TestControlPlane } from '../../../testing/index.js';

type Report = Omit<Extract<RunnerMessage, { type: 'allocation.report' }>, 'type' | 'allocationId' | 'version'>;

/**
 * What the runner does with an allocation it is told to start: `ready` passes readiness at once;
 * `hold` starts it and writes output but never passes readiness (a health path that answers 503);
 * `gated` waits for `release(id)` before it passes.
 */
export type WakeRunnerBehaviour = 'ready' | 'hold' | 'gated';

/**
 * A runner that speaks the real runner protocol over a real WebSocket (the real hub, scheduler and
 * fenced reports) without running a process: it reports each allocation through pulling and
 * starting with the gates a runner records, writes its output lines, and reports `ready` with the
 * readiness evidence a runner gives, only as its behaviour says. Counts every start it was told.
 */
export class WakeRunner {
  /** Every allocation this runner was told to start, in order. */
  readonly started: string[] = [];
  readonly states = new Map<string, string>();
  behaviour: (a: AllocationAssignment) => WakeRunnerBehaviour = () => 'ready';
  readonly #gates = new Map<string, () => void>();
  readonly #versions = new Map<string, number>();
  readonly #waiting = new Map<string, (newVersion: number | undefined) => void>();
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(private readonly ws: WebSocket) {}

  static async join(t: TestControlPlane, apiUrl: string, name = 'wake-runner'): Promise<WakeRunner> {
    const joinToken = await t.cp.createJoinToken(name, 60_000);
    const joined = await t.call('POST', '/api/runners/join', { token: null, body: { joinToken, name, capacity: { cpus: 4, memoryBytes: 16 * 1024 ** 3 }, runnerVersion: 'wake-test' } });
    if (joined.status !== 200) throw new Error(`join failed: ${JSON.stringify(joined.body)}`);
    const ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/runners/connect`, { headers: { authorization: `Bearer ${joined.body.token}` } });
    const runner = new WakeRunner(ws);
    ws.on('message', (data) => runner.#onMessage(JSON.parse(data.toString()) as ControlMessage));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return runner;
  }

  /** Lets a `gated` allocation pass readiness. */
  release(allocationId: string): void {
    this.#gates.get(allocationId)?.();
  }

  #send(message: RunnerMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  #onMessage(message: ControlMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#send({ type: 'hello', protocol: runnerProtocolVersion, runnerVersion: 'wake-test', capacity: { cpus: 4, memoryBytes: 16 * 1024 ** 3 }, allocations: [] });
        this.#heartbeat = setInterval(() => this.#send({ type: 'heartbeat', at: new Date().toISOString(), allocations: [] }), message.heartbeatMs);
        return;
      case 'allocation.start':
        this.started.push(message.assignment.allocationId);
        void this.#start(message.assignment).catch(() => {});
        return;
      case 'allocation.stop':
        void this.#stop(message.allocationId).catch(() => {});
        return;
      case 'report.accepted':
      case 'report.refused':
        this.#waiting.get(`${message.allocationId}@${message.version}`)?.(message.type === 'report.accepted' ? message.newVersion : undefined);
        return;
      default:
        return;
    }
  }

  async #report(allocationId: string, report: Report): Promise<void> {
    const version = this.#versions.get(allocationId)!;
    const answered = new Promise<number | undefined>((resolve) => this.#waiting.set(`${allocationId}@${version}`, resolve));
    this.#send({ type: 'allocation.report', allocationId, version, ...report });
    const next = await answered;
    this.#waiting.delete(`${allocationId}@${version}`);
    if (next === undefined) throw new Error(`report ${report.to ?? report.failureMode} on ${allocationId} refused`);
    this.#versions.set(allocationId, next);
    if (report.to) this.states.set(allocationId, report.to);
  }

  #log(allocationId: string, ...texts: string[]): void {
    this.#send({ type: 'allocation.logs', allocationId, lines: texts.map((text) => ({ stream: 'stdout' as const, at: new Date().toISOString(), text })) });
  }

  async #start(a: AllocationAssignment): Promise<void> {
    this.#versions.set(a.allocationId, a.version);
    const behaviour = this.behaviour(a);
    const evidence = { runner: 'wake-test' };
    await this.#report(a.allocationId, { to: 'pulling', sentence: `pulling ${a.digest}` });
    await this.#report(a.allocationId, {
      to: 'starting', sentence: 'started: node server.js',
      gates: [{ gate: 'artifact digest verified', status: 'pass', evidence: { ...evidence, digest: a.digest } }, { gate: 'env/secrets mounted', status: 'pass', evidence: { ...evidence, names: Object.keys(a.env).sort() } }],
    });
    this.#log(a.allocationId, `listening on :${a.port ?? 4000}`);
    if (behaviour === 'hold') {
      this.#log(a.allocationId, `GET ${a.health} -> 503 warming up`, 'still connecting to the database...');
      return;
    }
    if (behaviour === 'gated') await new Promise<void>((resolve) => this.#gates.set(a.allocationId, resolve));
    if (this.states.get(a.allocationId) !== 'starting') return;
    const readiness = { path: a.health, attempts: 1, elapsedMs: 5, status: 200 };
    await this.#report(a.allocationId, {
      to: 'ready', sentence: `ready: GET ${a.health} answered 200 after 1 attempt`, gates: [{ gate: 'health/readiness pass', status: 'pass', evidence: readiness }],
      evidence: readiness, address: { host: '127.0.0.1', port: 9 },
    });
  }

  async #stop(allocationId: string): Promise<void> {
    this.#gates.delete(allocationId);
    if (this.states.get(allocationId) === 'starting' || this.states.get(allocationId) === 'pulling') {
      await this.#report(allocationId, { to: 'failed', sentence: 'stopped before it passed readiness' });
      return;
    }
    await this.#report(allocationId, { to: 'draining', sentence: 'draining' });
    await this.#report(allocationId, { to: 'stopped', sentence: 'stopped', gates: [{ gate: 'drain deadline respected', status: 'pass', evidence: { runner: 'wake-test' } }] });
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.ws.close();
  }
}
