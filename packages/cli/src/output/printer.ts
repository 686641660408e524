import type { CliError } from '../cli-error.js';
import type { Style } from './style.js';

/**
 * Where a command's output goes. Under --json, stdout carries exactly one JSON document (the
 * result, or the error) and nothing else; people's text goes to stdout otherwise, and notes,
 * warnings and errors always go to stderr so that a pipe only ever gets the result.
 */
export interface Printer {
  readonly json: boolean;
  readonly style: Style;
  /** The command's one result: the JSON document under --json, the human text otherwise. */
  result(data: unknown, human: () => string): void;
  /** A live line for a person (a streamed event, a progress line); dropped under --json. */
  line(text: string): void;
  /** A note or warning on stderr, in both modes. */
  note(text: string): void;
  /** Reports an error: on stderr always; as the JSON document too under --json, if none was printed yet. */
  error(error: CliError): void;
}

export interface Sink {
  write(text: string): unknown;
}

/** One JSON document: indented for a person reading it, still parseable as one value. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** `error: <message>` then `  code: <code>` and `  hint: <suggestion>`. */
export function formatError(error: CliError, style: Style): string {
  const lines = [`${style.red(style.bold('error:'))} ${error.message}`, `  code: ${error.code}`];
  if (error.suggestion) lines.push(`  hint: ${error.suggestion}`);
  return lines.join('\n') + '\n';
}

export function createPrinter(options: { json: boolean; stdout: Sink; stderr: Sink; style: Style; errorStyle: Style }): Printer {
  const { json, stdout, stderr, style } = options;
  let printed = false;
  return {
    json,
    style,
    result(data, human) {
      if (printed && json) throw new Error('A command printed two results under --json; it must print exactly one.');
      printed = true;
      if (json) stdout.write(formatJson(data));
      else {
        const text = human();
        if (text) stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
    },
    line(text) {
      if (!json) stdout.write(text + '\n');
    },
    note(text) {
      stderr.write(text + '\n');
    },
    error(error) {
      stderr.write(formatError(error, options.errorStyle));
      if (json && !printed) {
        printed = true;
        stdout.write(formatJson(error.toJSON()));
      }
    },
  };
}
