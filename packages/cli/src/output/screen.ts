/**
 * Raw access to stdout for output that is drawn rather than printed: a progress line redrawn in
 * place with `\r`, or build output passed through byte for byte. Commands reach stdout through
 * this (from the context) rather than through `process`, so tests can hand them a fake one.
 */
export interface Screen {
  /** True when stdout is a terminal and --json is off: a line may be redrawn in place. */
  readonly isTTY: boolean;
  /** Writes text as is: no newline is added. */
  write(text: string): void;
}

/** A screen that keeps what was written, for tests of what a person would see. */
export function recordingScreen(isTTY: boolean): Screen & { readonly text: string } {
  let text = '';
  return {
    isTTY,
    write(chunk) {
      text += chunk;
    },
    get text() {
      return text;
    },
  };
}
