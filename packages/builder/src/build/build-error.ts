/**
 * Why a clone, build or check step failed. The control plane maps each reason to a coded error and
 * to the deploy pipeline's failure mode, so the reasons are few and stable:
 *
 * - `timeout`: the command ran past its time limit and was stopped.
 * - `exit`: the command finished with a non-zero exit code (or was killed by a signal).
 * - `output_limit`: the command printed more than its output limit and was stopped.
 * - `spawn`: the command could not be started at all (missing folder, missing shell).
 * - `git`: the repository could not be reached, or the ref does not name a commit in it.
 * - `cancelled`: the caller aborted the step through its AbortSignal.
 */
export type BuildFailureReason = 'timeout' | 'exit' | 'output_limit' | 'spawn' | 'git' | 'cancelled';

/** What a finished (or stopped) command did; also carried by a BuildError so the failure can be shown. */
export interface BuildRunSummary {
  /** The exit code; null when the process ended by a signal or never started. */
  exitCode: number | null;
  /** Wall-clock time from start to the end of the output. */
  durationMs: number;
  /** Bytes of output the command produced, counted before redaction, up to the point it was stopped. */
  outputBytes: number;
  /** Whether the output passed the limit, so that the delivered output is incomplete. */
  truncated: boolean;
  /** The last lines of the delivered (already redacted) output. */
  tail: string[];
  /** Whether the command ran inside the bubblewrap sandbox. */
  sandboxed: boolean;
}

/**
 * A failed builder step. It is not a BerthError on purpose: the builder does not know which HTTP
 * status or catalog entry a failure deserves in the deploy that ran it, and the control plane does.
 * The message is written for the person deploying, never carries a secret, and the run summary
 * (when a command ran) lets the dashboard show the last lines of output beside it.
 */
export class BuildError extends Error {
  readonly reason: BuildFailureReason;
  /** Present when a command was started; absent for refusals made before anything ran. */
  readonly run: BuildRunSummary | undefined;

  constructor(reason: BuildFailureReason, message: string, options: { run?: BuildRunSummary; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BuildError';
    this.reason = reason;
    this.run = options.run;
  }

  /** The last lines of output, or none when nothing ran. */
  get tail(): string[] {
    return this.run?.tail ?? [];
  }

  toJSON(): { reason: BuildFailureReason; message: string; run?: BuildRunSummary } {
    return { reason: this.reason, message: this.message, ...(this.run ? { run: this.run } : {}) };
  }
}

export function isBuildError(value: unknown): value is BuildError {
  return value instanceof BuildError;
}
