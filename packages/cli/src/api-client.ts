import { setTimeout as sleep } from 'node:timers/promises';
import { apiError, CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * A small JSON client for the Berth API over `fetch`. It sends the bearer token, turns every
 * error answer into a CliError carrying the API's code, message and suggestion, and turns a
 * network failure into `api_unreachable` (exit 7), so commands only handle the happy path.
 */
export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<T>;
  /** With an idempotency key, a request cut off mid-flight is retried: the server answers the retry with the first answer. */
  post<T>(path: string, body: unknown, options?: { idempotencyKey?: string }): Promise<T>;
  /**
   * Sends a file as the request body, streamed from disk (never read whole into memory), with its
   * length declared so that the server can refuse an oversized one before it is sent. With an
   * idempotency key, a connection dropped mid-upload is retried once with the same key.
   */
  upload<T>(path: string, file: UploadFile, options?: { idempotencyKey?: string }): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete(path: string): Promise<void>;
  /** Opens a long-lived GET (Server-Sent Events) without a timeout; the caller reads the body. */
  stream(path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Response>;
}

export interface UploadFile {
  /** Opens the body afresh: a retry needs a new stream from the start of the file. */
  open(): ReadableStream<Uint8Array>;
  size: number;
  contentType: string;
}

export interface ApiClientDeps {
  baseUrl: string;
  token: string | undefined;
  fetch: typeof fetch;
  /** Aborted when the user interrupts the CLI. */
  signal: AbortSignal;
  userAgent: string;
  timeoutMs?: number;
}

export const unreachableHint = 'is `berth up` running? check BERTH_API_URL (or --api, or `berth login --api URL`)';

/** Connection errors that say nobody is listening: retrying them at once only delays the answer. */
const refusedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The socket error under fetch's "fetch failed": ECONNREFUSED, or each address's code when several were tried. */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const codes = (cause?.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  return codes.length > 0 ? [...new Set(codes)].join(', ') : undefined;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } })?.cause;
  return networkCode(error) ?? (typeof cause?.message === 'string' ? cause.message : (error as Error).message);
}

export function createApiClient(deps: ApiClientDeps): ApiClient {
  const base = deps.baseUrl.replace(/\/+$/, '');
  const timeoutMs = deps.timeoutMs ?? 30_000;

  function unreachable(error: unknown): CliError {
    if (deps.signal.aborted) return new CliError('interrupted', 'Interrupted.', { exitCode: ExitCode.interrupted });
    const timedOut = (error as { name?: string })?.name === 'TimeoutError';
    const why = timedOut ? `it did not answer within ${timeoutMs / 1000} s` : networkReason(error);
    return new CliError('api_unreachable', `Could not reach the Berth API at ${base}: ${why}.`, { exitCode: ExitCode.unreachable, suggestion: unreachableHint, cause: error });
  }

  async function send(method: string, path: string, init: { body?: unknown; file?: UploadFile; headers?: Record<string, string>; retry?: boolean; timeout?: boolean; signal?: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': deps.userAgent, ...(init.headers ?? {}) };
    if (deps.token) headers.authorization = `Bearer ${deps.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.file) Object.assign(headers, { 'content-type': init.file.contentType, 'content-length': String(init.file.size) });
    // A streamed body must be opened again for each attempt; `duplex: 'half'` is how fetch takes one.
    const payload = (): RequestInit =>
      init.file ? ({ body: init.file.open(), duplex: 'half' } as RequestInit) : init.body !== undefined ? { body: JSON.stringify(init.body) } : {};
    const attempts = init.retry ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      const signals = [init.signal ?? deps.signal, ...(init.timeout === false ? [] : [AbortSignal.timeout(timeoutMs)])];
      try {
        return await deps.fetch(`${base}${path}`, { method, headers, signal: AbortSignal.any(signals), ...payload() });
      } catch (error) {
        const code = networkCode(error);
        if (attempt >= attempts || deps.signal.aborted || (code !== undefined && code.split(', ').every((c) => refusedCodes.has(c)))) throw unreachable(error);
        await sleep(250);
      }
    }
  }

  async function read<T>(res: Response): Promise<T> {
    const text = await res.text().catch((error: unknown) => {
      throw unreachable(error);
    });
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
      throw apiError(res.status, error, `The API answered ${res.status} ${res.statusText}${text && !body ? `: ${text.slice(0, 200)}` : ''}.`);
    }
    if (text && body === undefined) {
      throw new CliError('unexpected_response', `${base} answered with something that is not JSON; is it a Berth API?`, { exitCode: ExitCode.server, suggestion: unreachableHint });
    }
    return body as T;
  }

  return {
    baseUrl: base,
    async get<T>(path: string, query: Readonly<Record<string, string | number | undefined>> = {}) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
      const qs = params.size > 0 ? `?${params}` : '';
      return read<T>(await send('GET', `${path}${qs}`, { retry: true }));
    },
    async post<T>(path: string, body: unknown, options: { idempotencyKey?: string } = {}) {
      const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
      return read<T>(await send('POST', path, { body, headers, retry: options.idempotencyKey !== undefined }));
    },
    async upload<T>(path: string, file: UploadFile, options: { idempotencyKey?: string } = {}) {
      const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
      // No overall timeout: a large source on a slow link takes as long as it takes; Ctrl-C stops it.
      return read<T>(await send('POST', path, { file, headers, retry: options.idempotencyKey !== undefined, timeout: false }));
    },
    async patch<T>(path: string, body: unknown) {
      return read<T>(await send('PATCH', path, { body }));
    },
    async delete(path: string) {
      await read<unknown>(await send('DELETE', path, {}));
    },
    async stream(path, headers, signal) {
      const res = await send('GET', path, { headers: { accept: 'text/event-stream', ...headers }, timeout: false, signal });
      if (!res.ok) await read<unknown>(res);
      return res;
    },
  };
}
