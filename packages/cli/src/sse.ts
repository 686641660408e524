import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * A small Server-Sent Events reader over fetch's body stream. `followEventStream` reconnects when
 * the connection drops before the consumer says it is done, sending `Last-Event-ID` so that the
 * server resumes after the last event seen: nothing is missed and nothing is shown twice.
 */
export interface SseMessage {
  /** The `event:` field; "message" when the server sent none. */
  readonly event: string;
  readonly data: string;
  /** The `id:` field of this message, when it had one. */
  readonly id: string | undefined;
}

/** Parses a text/event-stream body (lines end in \n or \r\n; `:` starts a comment). */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (data.length > 0 || event !== '') yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
          id = undefined;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
        else if (field === 'id') id = val;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

export interface FollowOptions {
  /** Opens the stream, resuming after `lastEventId` when given; throws a CliError when refused. */
  open(lastEventId: string | undefined): Promise<Response>;
  /** Handles one message; return "stop" once nothing more is wanted. */
  onMessage(message: SseMessage): 'stop' | void | Promise<'stop' | void>;
  /** Told before each reconnection, e.g. to print a note. */
  onReconnect?(lastEventId: string | undefined, attempt: number): void;
  signal: AbortSignal;
  retryDelayMs?: number;
  /** Reconnections in a row without receiving a message before giving up. */
  maxRetries?: number;
}

export async function followEventStream(options: FollowOptions): Promise<void> {
  const delay = options.retryDelayMs ?? 1000;
  const maxRetries = options.maxRetries ?? 10;
  let lastEventId: string | undefined;
  let failures = 0;
  let lastError: unknown;
  for (;;) {
    try {
      const res = await options.open(lastEventId);
      if (!res.body) throw new CliError('unexpected_response', 'The event stream had no body.', { exitCode: ExitCode.server });
      for await (const message of readEventStream(res.body)) {
        failures = 0;
        if (message.id !== undefined) lastEventId = message.id;
        if ((await options.onMessage(message)) === 'stop') return;
      }
      lastError = undefined;
    } catch (error) {
      // Only a dropped or refused connection is worth another try; an API refusal is final.
      if (options.signal.aborted || (error instanceof CliError && error.exitCode !== ExitCode.unreachable)) throw error;
      lastError = error;
    }
    failures++;
    if (failures > maxRetries) {
      if (lastError instanceof CliError) throw lastError;
      throw new CliError('api_unreachable', `The event stream kept closing (${maxRetries} reconnections in a row without an event).`, { exitCode: ExitCode.unreachable, suggestion: 'Check that the control plane is running; `berth ops show <id>` reads the operation once.' });
    }
    options.onReconnect?.(lastEventId, failures);
    await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
    if (options.signal.aborted) throw new CliError('interrupted', 'Interrupted.', { exitCode: ExitCode.interrupted });
  }
}
