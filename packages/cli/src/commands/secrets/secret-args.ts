import { usageError } from '../../cli-error.js';

/**
 * What the secrets commands share: the --app/--env flags and the path they name, and the parsing
 * of NAME=VALUE arguments. No message here ever quotes a value: an argument is named by its
 * position or its NAME, so a mistyped command never echoes a secret to the screen or a CI log.
 */
export const secretTargetFlags = {
  app: { type: 'string', value: 'APP', help: 'the app (required)' },
  env: { type: 'string', value: 'ENV', help: 'the environment (default: production)' },
} as const;

export interface SecretTarget {
  app: string;
  env: string;
  /** `/api/apps/<app>/environments/<env>/secrets` */
  path: string;
}

export function secretTarget(flags: { app?: string; env?: string }, command: string): SecretTarget {
  if (!flags.app) throw usageError(`Missing --app for \`berth secrets ${command}\`.`, `For example \`berth secrets ${command} ... --app shop\`.`);
  const env = flags.env ?? 'production';
  return { app: flags.app, env, path: `/api/apps/${encodeURIComponent(flags.app)}/environments/${encodeURIComponent(env)}/secrets` };
}

/** `for shop (production)`: which secrets a line talks about. */
export function targetLabel(target: SecretTarget): string {
  return `${target.app} (${target.env})`;
}

/** NAME=VALUE arguments to a map; the value is everything after the first "=" and may be empty. */
export function parseAssignments(args: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  args.forEach((arg, i) => {
    const eq = arg.indexOf('=');
    if (eq < 0) throw usageError(`Argument ${i + 1} is not NAME=VALUE: it has no "=".`, 'Write NAME=VALUE, e.g. DATABASE_URL=postgres://...; use --from-stdin NAME to keep a value out of your shell history.');
    const name = arg.slice(0, eq);
    if (name === '') throw usageError(`Argument ${i + 1} has no NAME before its "=".`, 'Write NAME=VALUE, e.g. DATABASE_URL=postgres://...');
    if (values.has(name)) throw usageError(`${name} is given twice.`, 'Give each secret once.');
    values.set(name, arg.slice(eq + 1));
  });
  return values;
}

/** The value piped in on stdin, less the one newline that `echo` or a file's last line adds. */
export function valueFromStdin(text: string): string {
  return text.replace(/\r?\n$/, '');
}
