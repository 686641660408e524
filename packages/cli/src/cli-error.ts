import { ExitCode, exitCodeForStatus, type ExitCodeValue } from './exit-codes.js';

/**
 * Every refusal the CLI reports: a stable code (the API's own code when the API refused, or one of
 * the CLI's codes listed in README.md), a message, a suggestion for what to do next, and the exit
 * code it ends the process with. main.ts prints it in one place.
 */
export class CliError extends Error {
  readonly code: string;
  readonly suggestion: string | undefined;
  readonly exitCode: ExitCodeValue;
  /** The HTTP status when the API answered with this error. */
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { suggestion?: string; exitCode: ExitCodeValue; status?: number; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.suggestion = options.suggestion;
    this.exitCode = options.exitCode;
    this.status = options.status;
    this.details = options.details;
  }

  /** The document printed on stdout under --json: the API's error shape, plus the status. */
  toJSON(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.suggestion ? { suggestion: this.suggestion } : {}),
        ...(this.status !== undefined ? { status: this.status } : {}),
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** A wrong command line; `hint` says what to type instead, or which `--help` to read. */
export function usageError(message: string, hint: string): CliError {
  return new CliError('usage', message, { exitCode: ExitCode.usage, suggestion: hint });
}

/** An error answer of the API, with the exit code its status maps to. */
export function apiError(status: number, body: { code?: unknown; message?: unknown; suggestion?: unknown; details?: unknown } | undefined, fallback: string): CliError {
  const code = typeof body?.code === 'string' ? body.code : `http_${status}`;
  const message = typeof body?.message === 'string' ? body.message : fallback;
  const suggestion = typeof body?.suggestion === 'string' ? body.suggestion : undefined;
  const details = body?.details && typeof body.details === 'object' ? (body.details as Record<string, unknown>) : undefined;
  return new CliError(code, message, { exitCode: exitCodeForStatus(status), status, ...(suggestion ? { suggestion } : {}), ...(details ? { details } : {}) });
}

/**
 * Anything else that escaped a command: a refusal from a part running in this process (a
 * BerthError of `berth up`) keeps its code and suggestion; the rest is a bug, reported as such.
 */
export function toCliError(error: unknown, exitCode: ExitCodeValue = ExitCode.operationFailed): CliError {
  if (error instanceof CliError) return error;
  const e = error as { code?: unknown; message?: unknown; suggestion?: unknown; details?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.code === 'string' && typeof e.suggestion === 'string') {
    return new CliError(e.code, message, { exitCode, suggestion: e.suggestion, ...(e.details && typeof e.details === 'object' ? { details: e.details as Record<string, unknown> } : {}), cause: error });
  }
  return new CliError('internal', message, { exitCode, suggestion: 'This is a bug in the berth CLI; run again with the same arguments and report the message.', cause: error });
}
