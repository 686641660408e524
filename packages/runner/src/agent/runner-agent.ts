import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { runnerProtocolVersion, type AllocationAssignment, type AllocationHeld, type ControlMessage, type RunnerMessage } from '@berth/core';
import { ControlPlaneClient, ControlPlaneRefusal, type JoinRequest, type RunnerCredentials } from './control-plane-client.js';

type AllocationReport = Extract<RunnerMessage, { type: 'allocation.report' }>;
type ReportAnswer = { accepted: true; version: number } | { accepted: false; reason: string };

/** One allocation the agent runs, as the agent sees it; the alloc runner implements it. */
export interface ManagedAllocation {
  readonly allocationId: string;
  held(): AllocationHeld;
  stats(): Promise<{ cpuPercent: number; memoryBytes: number } | undefined>;
  stop(deadlineMs: number, reason: string): Promise<void>;
  /** The control plane gave it up: stop it, report nothing more. */
  forget(reason: string): Promise<void>;
  /** Resolves when the allocation has reached a terminal state. */
  readonly done: Promise<void>;
}

export interface AllocationIo {
  report(message: AllocationReport): Promise<ReportAnswer>;
  logs(lines: Array<{ stream: 'stdout' | 'stderr'; at: string; text: string }>): void;
  download(digest: string): Promise<ReadableStream<Uint8Array>>;
}

export interface RunnerAgentOptions extends JoinRequest {
  apiUrl: string;
  joinToken: string;
  startAllocation(assignment: AllocationAssignment, io: AllocationIo): ManagedAllocation;
  log(line: string): void;
}

/**
 * The runner agent: joins with its join token, keeps one WebSocket to the control plane, says what
 * it runs when it (re)connects, heartbeats with each allocation's stats, and starts, stops and
 * forgets allocations when told. It reconnects with backoff; reports sent while disconnected are
 * re-sent after the reconnect, so a blip does not cost a running allocation.
 */
export class RunnerAgent {
  readonly #client: ControlPlaneClient;
  readonly #allocations = new Map<string, ManagedAllocation>();
  readonly #pending = new Map<string, { message: AllocationReport; resolve: (answer: ReportAnswer) => void }>();
  #credentials: RunnerCredentials | undefined;
  #socket: WebSocket | undefined;
  #heartbeatMs = 5000;
  #heartbeat: NodeJS.Timeout | undefined;
  #stopped = false;
  #connected: ((value: void) => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(private readonly options: RunnerAgentOptions) {
    this.#client = new ControlPlaneClient(options.apiUrl);
  }

  get hostId(): string | undefined {
    return this.#credentials?.hostId;
  }

  /** Joins (a refused join token is thrown: nothing to retry), then connects and keeps connecting. Resolves once connected. */
  async start(): Promise<void> {
    this.#credentials = await this.#client.join(this.options.joinToken, this.#joinRequest());
    const connected = new Promise<void>((resolve) => (this.#connected = resolve));
    this.#loop = this.#run();
    await connected;
  }

  /** Stops every allocation (within its drain deadline) and disconnects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#allocations.values()].map((a) => a.stop(5000, 'the runner is stopping')));
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#socket?.close(1000, 'runner stopping');
    await this.#loop;
  }

  #joinRequest(): JoinRequest {
    const { name, region, labels, capacity, runnerVersion } = this.options;
    return { name, region, labels, capacity, runnerVersion };
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      try {
        await this.#ensureToken();
        await this.#session();
        attempt = 0;
      } catch (error) {
        if (error instanceof ControlPlaneRefusal && error.fatal) {
          // The runner token is no good any more: join again with the join token.
          try {
            this.#credentials = await this.#client.join(this.options.joinToken, this.#joinRequest());
            continue;
          } catch (joinError) {
            this.options.log(`runner: cannot rejoin: ${(joinError as Error).message}`);
          }
        } else if (!this.#stopped) {
          this.options.log(`runner: connection lost: ${(error as Error).message}`);
        }
      }
      if (this.#stopped) break;
      attempt++;
      await sleep(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)) * (0.75 + Math.random() / 2));
    }
  }

  async #ensureToken(): Promise<void> {
    if (this.#credentials && this.#credentials.expiresAt - Date.now() < 60_000) this.#credentials = await this.#client.refresh(this.#credentials.token);
  }

  /** One connection, until it closes. */
  async #session(): Promise<void> {
    const ws = new WebSocket(this.#client.socketUrl, { headers: { authorization: `Bearer ${this.#credentials!.token}` } });
    this.#socket = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new ControlPlaneRefusal(res.statusCode ?? 500, 'refused', `the control plane refused the connection (${res.statusCode})`)));
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      let message: ControlMessage;
      try {
        message = JSON.parse(data.toString()) as ControlMessage;
      } catch {
        this.options.log('runner: ignored a message that is not JSON');
        return;
      }
      void this.#handle(message).catch((error) => this.options.log(`runner: ${(error as Error).message}`));
    });
    this.#send({ type: 'hello', protocol: runnerProtocolVersion, runnerVersion: this.options.runnerVersion, capacity: this.options.capacity, allocations: [...this.#allocations.values()].map((a) => a.held()) });
    for (const { message } of this.#pending.values()) this.#send(message);
    this.#connected?.();
    this.#heartbeat = setInterval(() => void this.#beat(), this.#heartbeatMs);
    const refresh = setInterval(() => void this.#ensureToken().catch(() => {}), 60_000);
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    clearInterval(this.#heartbeat);
    clearInterval(refresh);
  }

  #send(message: RunnerMessage): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  async #beat(): Promise<void> {
    const allocations = [];
    for (const a of this.#allocations.values()) {
      const stats = await a.stats().catch(() => undefined);
      if (stats) allocations.push({ allocationId: a.allocationId, ...stats });
    }
    this.#send({ type: 'heartbeat', at: new Date().toISOString(), allocations });
  }

  async #handle(message: ControlMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        // The control plane sets the pace: restart the heartbeat at its interval.
        this.#heartbeatMs = message.heartbeatMs;
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => void this.#beat(), this.#heartbeatMs);
        void this.#beat();
        return;
      case 'allocation.start': {
        const { assignment } = message;
        if (this.#allocations.has(assignment.allocationId)) return;
        const managed = this.options.startAllocation(assignment, this.#io(assignment.allocationId));
        this.#allocations.set(assignment.allocationId, managed);
        void managed.done.finally(() => this.#allocations.delete(assignment.allocationId));
        return;
      }
      case 'allocation.stop':
        await this.#allocations.get(message.allocationId)?.stop(message.deadlineMs, message.reason);
        return;
      case 'allocation.forget':
        await this.#allocations.get(message.allocationId)?.forget(message.reason);
        this.#allocations.delete(message.allocationId);
        return;
      case 'report.accepted':
      case 'report.refused': {
        const key = `${message.allocationId}:${message.version}`;
        const pending = this.#pending.get(key);
        this.#pending.delete(key);
        pending?.resolve(message.type === 'report.accepted' ? { accepted: true, version: message.newVersion } : { accepted: false, reason: message.reason });
        return;
      }
    }
  }

  #io(allocationId: string): AllocationIo {
    return {
      report: (message) => new Promise<ReportAnswer>((resolve) => {
        this.#pending.set(`${allocationId}:${message.version}`, { message, resolve });
        this.#send(message);
      }),
      logs: (lines) => this.#send({ type: 'allocation.logs', allocationId, lines }),
      download: (digest) => this.#client.download(this.#credentials!.token, digest),
    };
  }
}
