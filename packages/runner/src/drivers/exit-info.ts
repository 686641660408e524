import { constants } from 'node:os';
import type { ExitInfo } from './driver.js';

/** Memory limit breaches as the memory guards report them. */
export interface MemoryBreach {
  usageBytes: number;
  limitBytes: number;
}

/** Bytes as a person reads them in a timeline: "64 MiB". */
export function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Describes how an allocation's process ended. bwrap reports a sandboxed app killed by a signal as
 * exit code 128 + the signal's number, the shell convention; for a sandboxed allocation such a
 * code is turned back into the signal so the timeline reads the same with and without the sandbox.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, options: { sandboxed: boolean; breach: MemoryBreach | null }): ExitInfo {
  let exitCode = code;
  let exitSignal: string | null = signal;
  if (options.sandboxed && code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) {
      exitCode = null;
      exitSignal = name;
    }
  }
  if (options.breach) {
    const { usageBytes, limitBytes } = options.breach;
    return { code: exitCode, signal: exitSignal, oom: true, reason: `killed: memory ${formatMiB(usageBytes)} over the ${formatMiB(limitBytes)} limit` };
  }
  const reason = exitCode !== null ? `exited with code ${exitCode}` : `killed by ${exitSignal ?? 'an unknown signal'}`;
  return { code: exitCode, signal: exitSignal, oom: false, reason };
}
