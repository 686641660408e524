import { StringDecoder } from 'node:string_decoder';
import { OutputRedactor } from './output-redactor.js';

/** How many lines of output a failure carries for the person reading it. */
export const TAIL_LINES = 50;
// The tail is cut from a bounded window of recent text, so a build that prints one enormous
// line cannot make the builder hold all of it.
const TAIL_WINDOW_CHARS = 64 * 1024;

/**
 * The output of one command on its way to the log: bytes are counted against the limit, decoded
 * as UTF-8 (a character split across two pipe reads is kept whole), redacted, handed to the
 * listener in the order they arrived, and remembered as a tail for error messages.
 *
 * Redaction happens before anything leaves this object: the listener, the tail and therefore every
 * error message only ever see redacted text.
 */
export class BuildOutput {
  private readonly decoder = new StringDecoder('utf8');
  private readonly redactor: OutputRedactor;
  private recent = '';
  private bytes = 0;
  private stopped = false;
  private overLimit = false;

  constructor(
    private readonly limitBytes: number,
    secrets: readonly string[],
    private readonly listener: (chunk: string) => void = () => {},
  ) {
    this.redactor = new OutputRedactor(secrets);
  }

  /** Bytes the command produced up to the limit (the bytes past it are never looked at). */
  get outputBytes(): number {
    return this.bytes;
  }

  /** Whether the command printed more than the limit. */
  get truncated(): boolean {
    return this.overLimit;
  }

  /**
   * Takes a chunk from the pipe. Returns false once the output has passed the limit: the part up
   * to the limit is delivered, the rest is dropped, and the caller should stop the command.
   */
  write(chunk: Buffer): boolean {
    if (this.stopped) return false;
    const room = this.limitBytes - this.bytes;
    if (chunk.length > room) {
      this.overLimit = true;
      this.stopped = true;
      chunk = chunk.subarray(0, Math.max(0, room));
    }
    this.bytes += chunk.length;
    this.deliver(this.redactor.push(this.decoder.write(chunk)));
    return !this.stopped;
  }

  /** Ends the stream: delivers what the decoder and the redactor still hold. Later writes are ignored. */
  end(): void {
    const cut = this.overLimit;
    this.stopped = true;
    // A character cut in half by the limit is dropped rather than shown as a replacement sign.
    const rest = cut ? '' : this.decoder.end();
    this.deliver(this.redactor.push(rest) + this.redactor.flush(cut));
  }

  /** The last TAIL_LINES lines delivered, without their line endings; an unfinished last line counts. */
  tail(): string[] {
    const lines = this.recent.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    // The first line of the window may have lost its start when the window was cut.
    if (this.recent.length >= TAIL_WINDOW_CHARS && lines.length > 1) lines.shift();
    return lines.slice(-TAIL_LINES);
  }

  private deliver(text: string): void {
    if (text === '') return;
    this.recent = (this.recent + text).slice(-TAIL_WINDOW_CHARS);
    this.listener(text);
  }
}
