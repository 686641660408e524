/**
 * Turns an allocation's output into log lines. Seeds/003 asks that each line be sanitised (ANSI
 * escapes and NUL bytes removed) and capped at 8 KiB before it reaches the log bus, so a program
 * that prints a progress bar or a megabyte without a newline cannot flood the control plane.
 */

export const maxLineBytes = 8 * 1024;
const truncatedMarker = ' [truncated]';

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) ended by BEL or ST,
// and the remaining two-byte escapes.
const ansiPattern = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

/** Removes ANSI escape sequences and NUL bytes from one line. */
export function sanitizeLine(text: string): string {
  return text.replace(ansiPattern, '').replace(/\0/g, '');
}

/**
 * Splits a byte stream into lines and hands each, sanitised, to `emit`. A line longer than the cap
 * is emitted as soon as the cap is reached (so a never-ending line still shows up) and the rest of
 * it, up to the next newline, is dropped.
 */
export class LineSplitter {
  readonly #emit: (line: string) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      this.#append(chunk.subarray(start, end));
      if (newline === -1) break;
      if (this.#discarding) this.#discarding = false;
      else this.#emitPending(false);
      start = newline + 1;
    }
  }

  /** Emits what is left when the stream ends without a final newline. */
  end(): void {
    if (this.#pendingBytes > 0 && !this.#discarding) this.#emitPending(false);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }

  #append(part: Buffer): void {
    if (this.#discarding || part.length === 0) return;
    const room = maxLineBytes - this.#pendingBytes;
    if (part.length <= room) {
      this.#pending.push(part);
      this.#pendingBytes += part.length;
      return;
    }
    this.#pending.push(part.subarray(0, room));
    this.#pendingBytes += room;
    this.#emitPending(true);
    this.#discarding = true;
  }

  #emitPending(truncated: boolean): void {
    let bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (truncated) {
      // Cut on a character boundary so the marker never follows half of a UTF-8 sequence.
      let cut = maxLineBytes - truncatedMarker.length;
      while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
      bytes = Buffer.concat([bytes.subarray(0, cut), Buffer.from(truncatedMarker)]);
    }
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.#emit(sanitizeLine(text));
  }
}
