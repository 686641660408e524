import type { Screen } from '../../output/screen.js';
import type { Style } from '../../output/style.js';

/**
 * What a person sees while a deploy runs. On a terminal: one live line (a spinner, the current
 * state and the time since the deploy started) redrawn in place, with each state change and each
 * line of build output printed above it, so the scrollback keeps the whole story. Without a
 * terminal (a pipe, a CI log): plain lines, `→ building (3.2s)`, and the build output as it came,
 * with no escape codes and nothing redrawn.
 */
export interface DeployProgress {
  /** The deploy entered `state`; `elapsedMs` is counted from the deploy's first event. */
  state(state: string, elapsedMs: number): void;
  /** A chunk of build output, as the build printed it (it may end mid-line). */
  log(text: string): void;
  /** Sets where the live line's clock starts (a local instant, in ms). */
  startClock(atMs: number): void;
  /** Takes the live line off the screen until the next redraw, so a note can be printed. */
  clear(): void;
  /** Ends the display: finishes a half-printed line and removes the live line for good. */
  stop(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const clearLine = '\r\u001b[2K';

/** "3.2s" under a minute, "1m 05s" from there; `whole` drops the tenths, for the live line. */
export function formatElapsed(ms: number, whole = false): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return whole ? `${Math.floor(s)}s` : `${s.toFixed(1)}s`;
  const minutes = Math.floor(s / 60);
  return `${minutes}m ${String(Math.floor(s - minutes * 60)).padStart(2, '0')}s`;
}

export function silentProgress(): DeployProgress {
  const none = () => {};
  return { state: none, log: none, startClock: none, clear: none, stop: none };
}

/** Build output passed through untouched; a state line always starts on a line of its own. */
export function plainProgress(screen: Screen): DeployProgress {
  let midLine = false;
  const endLine = () => {
    if (midLine) screen.write('\n');
    midLine = false;
  };
  return {
    state(state, elapsedMs) {
      endLine();
      screen.write(`→ ${state} (${formatElapsed(elapsedMs)})\n`);
    },
    log(text) {
      if (text === '') return;
      screen.write(text);
      midLine = !text.endsWith('\n');
    },
    startClock() {},
    clear() {},
    stop: endLine,
  };
}

export function ttyProgress(screen: Screen, style: Style, options: { now(): number; initialState: string; frameMs?: number }): DeployProgress {
  let current = options.initialState;
  let startedAt = options.now();
  let frame = 0;
  let partial = '';
  let shown = false;
  let stopped = false;

  const draw = () => {
    if (stopped) return;
    const spinner = style.cyan(frames[frame++ % frames.length]!);
    screen.write(`${clearLine}${spinner} ${style.bold(current)}  ${style.dim(formatElapsed(options.now() - startedAt, true))}`);
    shown = true;
  };
  const clear = () => {
    if (shown) screen.write(clearLine);
    shown = false;
  };
  /** Prints whole lines above the live line, then draws it again. */
  const above = (lines: readonly string[]) => {
    if (lines.length === 0) return;
    clear();
    screen.write(lines.map((line) => `${line}\n`).join(''));
    draw();
  };
  const outputLine = (line: string) => `${style.dim('│ ')}${line.replace(/\r$/, '')}`;
  const flushPartial = () => {
    if (partial !== '') above([outputLine(partial)]);
    partial = '';
  };
  // The timer only redraws; it must never keep the process alive on its own.
  const timer = setInterval(draw, options.frameMs ?? 100);
  timer.unref();
  draw();

  return {
    state(state, elapsedMs) {
      flushPartial();
      current = state;
      above([`${style.dim('→')} ${state} ${style.dim(`(${formatElapsed(elapsedMs)})`)}`]);
    },
    log(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      above(lines.map(outputLine));
    },
    startClock(atMs) {
      startedAt = atMs;
    },
    clear,
    stop() {
      if (stopped) return;
      flushPartial();
      clearInterval(timer);
      clear();
      stopped = true;
    },
  };
}
