import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitInfo } from '../drivers/driver.js';

export interface ReadinessOptions {
  host: string;
  port: number;
  /** The manifest's health path, e.g. `/healthz`. */
  path: string;
  /** How long the app has to answer 2xx, counted from the call. */
  timeoutMs: number;
  /** The longest pause between attempts. */
  intervalMs: number;
  /**
   * How long attempts come every 10 ms before the pause starts doubling (2 s unless told). A
   * refused connection costs the runner a fraction of a millisecond; a pause that had doubled to
   * 160 ms while an app booted in 155 would add 150 ms to every wake.
   */
  fastPhaseMs?: number;
  /** How long one attempt may take; the default is 2 s, or less when the overall timeout is closer. */
  attemptTimeoutMs?: number;
  /** Gives up at once, e.g. because the allocation is being stopped. */
  signal?: AbortSignal;
  /** The allocation's exit: a process that exits cannot become ready, so waiting stops when it resolves. */
  exited?: Promise<ExitInfo>;
}

export type ReadinessResult =
  | { ready: true; attempts: number; elapsedMs: number; status: number }
  | { ready: false; reason: string; attempts: number; elapsedMs: number; lastStatus?: number; lastError?: string; exit?: ExitInfo };

type Attempt = { status: number } | { error: string };

/**
 * Polls the app's health path until it answers 2xx. Anything else (a refused connection while the
 * app boots, a 503 while it warms up, a hang) is another attempt: every 10 ms for the first
 * `fastPhaseMs` (the boot of most apps, which a wake waits on), then after a pause that doubles up
 * to `intervalMs`, until the timeout, the abort signal or the process's exit ends the wait. The app is never counted ready
 * on anything but a 2xx: that is the "health/readiness pass" gate.
 */
export async function waitUntilReady(options: ReadinessOptions): Promise<ReadinessResult> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  // Aborted by the exit or the caller's signal, so a pause or an attempt in flight ends at once.
  const wake = new AbortController();
  let exit: ExitInfo | undefined;
  void options.exited?.then((info) => {
    exit = info;
    wake.abort();
  });
  const onAbort = () => wake.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let attempts = 0;
  const fastPauseMs = Math.min(options.intervalMs, 10);
  const fastUntil = startedAt + (options.fastPhaseMs ?? 2_000);
  let pauseMs = fastPauseMs;
  let last: Attempt | undefined;
  const notReady = (reason: string): ReadinessResult => ({
    ready: false,
    reason,
    attempts,
    elapsedMs: Date.now() - startedAt,
    ...(last && 'status' in last ? { lastStatus: last.status } : {}),
    ...(last && 'error' in last ? { lastError: last.error } : {}),
    ...(exit ? { exit } : {}),
  });

  try {
    for (;;) {
      if (exit) return notReady(`the process exited before it was ready: ${exit.reason}`);
      if (options.signal?.aborted) return notReady('the readiness probe was cancelled');
      const remaining = deadline - Date.now();
      if (remaining <= 0) return notReady(`not ready within ${options.timeoutMs} ms after ${attempts} attempts; last seen: ${describe(last)}`);
      attempts++;
      const attemptTimeoutMs = options.attemptTimeoutMs ?? 2_000;
      const outcome = await attempt(options, Math.min(attemptTimeoutMs, remaining), wake.signal);
      if ('status' in outcome && outcome.status >= 200 && outcome.status < 300 && !exit) {
        return { ready: true, attempts, elapsedMs: Date.now() - startedAt, status: outcome.status };
      }
      // A final attempt that only ran out of the overall budget says nothing about the app; the
      // answer before it (a 503, a refused connection) is what a person needs to see.
      const cutShort = 'error' in outcome && remaining < attemptTimeoutMs && Date.now() >= deadline;
      if (!(cutShort && last)) last = outcome;
      // Early attempts come quickly (an app that boots in 150 ms is seen ready then, not at the next
      // 250 ms tick: a wake waits on this), then the pause doubles up to `intervalMs`.
      if (Date.now() >= fastUntil) pauseMs = Math.min(options.intervalMs, pauseMs * 2);
      const pause = Math.min(pauseMs, deadline - Date.now());
      if (pause > 0) await sleep(pause, undefined, { signal: wake.signal }).catch(() => {});
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function describe(last: Attempt | undefined): string {
  if (!last) return 'no attempt finished';
  return 'status' in last ? `status ${last.status}` : last.error;
}

/** One GET on the health path; the body is read and discarded so the socket closes cleanly. */
function attempt(options: ReadinessOptions, timeoutMs: number, signal: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    const req = request({ host: options.host, port: options.port, path: options.path, method: 'GET', agent: false, signal, headers: { 'user-agent': 'berth-runner readiness probe' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code && error.code !== 'ABORT_ERR' ? `${error.code} (${error.message})` : error.message }));
    req.end();
  });
}
