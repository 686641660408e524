import { errorCatalog, type ErrorCode } from './catalog.js';

/**
 * A refusal that knows how to explain itself: a stable code from the catalog, the HTTP status it
 * maps to, a message a person can act on and a suggestion for what to do next. The API turns it
 * into `{"error":{"code","message","suggestion"}}` in exactly one place; the CLI prints it.
 */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly suggestion: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: { details?: Record<string, unknown>; cause?: unknown; suggestion?: string } = {}) {
    const entry = errorCatalog[code];
    super(message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.status = entry.status;
    this.suggestion = options.suggestion ?? entry.suggestion;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; suggestion: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, suggestion: this.suggestion, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isBerthError(value: unknown): value is BerthError {
  return value instanceof BerthError;
}
