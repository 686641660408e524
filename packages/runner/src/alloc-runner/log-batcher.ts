import type { OutputStream } from '../drivers/driver.js';
import type { LogLine } from './deps.js';

/** How often output is shipped: often enough to feel live, rarely enough that a chatty app costs one message per interval. */
export const logBatchIntervalMs = 200;
/** A batch is sent early when it reaches this many lines, so one message stays small. */
export const maxBatchLines = 500;

/**
 * Collects an allocation's output lines and hands them on in batches. The timer runs only while
 * lines are waiting, so an idle allocation costs nothing.
 */
export class LogBatcher {
  readonly #send: (lines: LogLine[]) => void;
  #lines: LogLine[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(send: (lines: LogLine[]) => void) {
    this.#send = send;
  }

  add(stream: OutputStream, text: string): void {
    this.#lines.push({ stream, at: new Date().toISOString(), text });
    if (this.#lines.length >= maxBatchLines) this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), logBatchIntervalMs);
      this.#timer.unref();
    }
  }

  /** Sends what is waiting now; the runner calls it once more when the allocation ends. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const lines = this.#lines;
    this.#lines = [];
    this.#send(lines);
  }
}
