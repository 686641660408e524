/**
 * Colours for people at a terminal. Everything goes through a Style, which is the identity when
 * colour is off (stdout not a TTY, NO_COLOR set, or --json), so piped output never holds escapes.
 */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

/** A state coloured by what it means for the person watching: done, stuck or failed. */
export function styleState(style: Style, state: string, role: string | undefined): string {
  if (failureStates.has(state)) return style.red(state);
  if (state === 'blocked') return style.yellow(state);
  if (role === 'terminal') return style.green(state);
  return state;
}

/** Terminal states that are not a success, across the seven machines. */
export const failureStates: ReadonlySet<string> = new Set(['failed', 'rolled_back', 'disabled']);
