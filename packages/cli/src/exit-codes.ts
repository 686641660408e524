/**
 * The exit codes of `berth`, one per kind of outcome, so that a script can branch on what went
 * wrong without parsing text. README.md lists the same table; keep the two equal.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** The watched operation ended in a state that is not a success (failed, rolled_back, disabled) or rests in blocked; also an unexpected error inside the CLI. */
  operationFailed: 1,
  /** The command line is wrong: unknown command or flag, missing argument, invalid setting, or a refused confirmation. */
  usage: 2,
  /** The API refused the token (401) or the token may not do that (403). */
  auth: 3,
  /** The API has no such resource (404). */
  notFound: 4,
  /** The API refused the request as invalid or conflicting (any other 4xx). */
  rejected: 5,
  /** The API failed (5xx). */
  server: 6,
  /** The API could not be reached at all. */
  unreachable: 7,
  /** The local environment refused: the data directory is locked, the port is taken, the config file is unreadable. */
  environment: 8,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an error answer of the API, by its HTTP status. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 404) return ExitCode.notFound;
  if (status >= 400 && status < 500) return ExitCode.rejected;
  return ExitCode.server;
}
