import { request, type IncomingMessage } from 'node:http';

/**
 * The few Docker Engine API calls the docker driver makes, over the engine's unix socket with
 * `node:http` (no client library: the runner imports core and Node alone). Docker and Podman's
 * compatible service (`podman system service`) both answer them at `/v1.41`.
 */

/** A refusal from the engine: its HTTP status and the `message` of its error body. */
export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    /** "POST /containers/create", without the query (which may hold a container name, never a secret). */
    readonly call: string,
    readonly apiMessage: string,
  ) {
    super(`${call}: the engine answered ${status}: ${apiMessage}`);
    this.name = 'DockerApiError';
  }
}

export interface ContainerCreateBody {
  Image: string;
  Cmd: string[];
  WorkingDir?: string;
  /** `NAME=value` pairs. Holds secrets: never logged, never put into an error. */
  Env?: string[];
  Labels?: Record<string, string>;
  Tty?: boolean;
  HostConfig?: {
    Binds?: string[];
    NetworkMode?: string;
    Memory?: number;
    MemorySwap?: number;
    Tmpfs?: Record<string, string>;
    RestartPolicy?: { Name: 'no' | 'always' | 'on-failure' | 'unless-stopped' };
  };
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  OOMKilled: boolean;
  ExitCode: number;
  Pid: number;
  StartedAt: string;
  FinishedAt: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
}

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[] };
  /** Host CPU time in nanoseconds, all cores together; absent from Podman's `precpu_stats` on a one-shot read. */
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface ContainerStats {
  read: string;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
}

export type LogStream = 'stdout' | 'stderr';

/** Percent of one core between two samples (Docker's own formula: share of host time times cores). */
export function cpuPercent(now: CpuStats, before: CpuStats): number {
  const cpuDelta = now.cpu_usage.total_usage - before.cpu_usage.total_usage;
  const systemDelta = (now.system_cpu_usage ?? 0) - (before.system_cpu_usage ?? 0);
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  const cores = now.online_cpus || now.cpu_usage.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cores * 100;
}

/**
 * Splits the engine's multiplexed log stream (a container without a TTY): each frame is an 8-byte
 * header, [stream type, 0, 0, 0, size as a big-endian uint32], then `size` bytes of output. Frames
 * arrive cut anywhere by the transport, and an engine cuts lines across frames too.
 */
export class LogDemultiplexer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: LogStream, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const data = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      // 0 is stdin (never attached here), 1 stdout, 2 stderr.
      if (size > 0) this.onFrame(type === 2 ? 'stderr' : 'stdout', data);
    }
  }
}

export interface DockerApiOptions {
  socketPath: string;
  /** The API version prefix; v1.41 is the newest Podman 4 speaks and every current Docker accepts. */
  version?: string;
  /** Limit for calls that should answer at once (not wait, logs or stop). */
  timeoutMs?: number;
}

export class DockerApi {
  readonly socketPath: string;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(options: DockerApiOptions) {
    this.socketPath = options.socketPath;
    this.prefix = `/${options.version ?? 'v1.41'}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  version(): Promise<{ Version: string; ApiVersion: string; Components?: Array<{ Name: string; Version: string }> }> {
    return this.json('GET', '/version');
  }

  createContainer(name: string, body: ContainerCreateBody): Promise<{ Id: string; Warnings: string[] | null }> {
    return this.json('POST', `/containers/create?name=${encodeURIComponent(name)}`, { body });
  }

  async startContainer(id: string): Promise<void> {
    await this.json('POST', `/containers/${encodeURIComponent(id)}/start`);
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${encodeURIComponent(id)}/json`);
  }

  /** Answers when the container is no longer running (at once if it has already exited). */
  waitContainer(id: string): Promise<{ StatusCode: number }> {
    return this.json('POST', `/containers/${encodeURIComponent(id)}/wait?condition=not-running`, { timeoutMs: 0 });
  }

  async containerStats(id: string): Promise<ContainerStats> {
    const path = `/containers/${encodeURIComponent(id)}/stats?stream=false`;
    const stats = await this.json<ContainerStats | undefined>('GET', path);
    // Podman answers 200 with an empty body for a container that is not running; Docker answers 409.
    if (stats === undefined) throw new DockerApiError(409, `GET ${withoutQuery(path)}`, 'the container is not running');
    return stats;
  }

  /**
   * Sends the stop signal (SIGTERM), then SIGKILL after `seconds`; answers once the container has
   * stopped. False when it had already stopped (304).
   */
  async stopContainer(id: string, seconds: number): Promise<boolean> {
    const status = await this.call('POST', `/containers/${encodeURIComponent(id)}/stop?t=${seconds}`, {
      timeoutMs: seconds * 1000 + this.timeoutMs,
    });
    return status !== 304;
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.json('POST', `/containers/${encodeURIComponent(id)}/kill?signal=${encodeURIComponent(signal)}`);
  }

  async removeContainer(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.json('DELETE', `/containers/${encodeURIComponent(id)}?force=${options.force === true}`);
  }

  /**
   * Follows the container's output from its start until it exits (or `signal` aborts), handing
   * each demultiplexed piece to `onData`. Resolves when the engine ends the stream.
   */
  async followLogs(id: string, onData: (stream: LogStream, data: Buffer) => void, signal?: AbortSignal): Promise<void> {
    const path = `/containers/${encodeURIComponent(id)}/logs?follow=true&stdout=1&stderr=1`;
    const res = await this.send('GET', path, { timeoutMs: 0, signal });
    if (res.statusCode !== 200) throw await apiError(res, 'GET', path);
    const demux = new LogDemultiplexer(onData);
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => demux.push(chunk));
      res.once('end', resolve);
      res.once('error', reject);
      res.once('close', resolve);
    });
  }

  private async json<T>(method: string, path: string, options: { body?: unknown; timeoutMs?: number } = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw await apiError(res, method, path);
    const text = (await readAll(res)).toString('utf8');
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  private async call(method: string, path: string, options: { timeoutMs?: number } = {}): Promise<number> {
    const res = await this.send(method, path, options);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw await apiError(res, method, path);
    res.resume();
    return status;
  }

  private send(
    method: string,
    path: string,
    options: { body?: unknown; timeoutMs?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<IncomingMessage> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      // agent: false: one connection per call, so a long wait or log stream never shares a socket
      // that the engine might close under a keep-alive reuse.
      const req = request({
        socketPath: this.socketPath,
        path: this.prefix + path,
        method,
        agent: false,
        signal: options.signal,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      });
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${withoutQuery(path)}: no answer from the engine within ${timeoutMs} ms`)));
      }
      req.once('response', resolve);
      req.once('error', reject);
      req.end(payload);
    });
  }
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function apiError(res: IncomingMessage, method: string, path: string): Promise<DockerApiError> {
  const text = (await readAll(res).catch(() => Buffer.alloc(0))).toString('utf8');
  let message = text.trim() || (res.statusMessage ?? 'no message');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON: keep the text as it came.
  }
  return new DockerApiError(res.statusCode ?? 0, `${method} ${withoutQuery(path)}`, message);
}

function withoutQuery(path: string): string {
  const at = path.indexOf('?');
  return at === -1 ? path : path.slice(0, at);
}
