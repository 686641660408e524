import { createInterface } from 'node:readline/promises';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * The person at the keyboard, if there is one: whether stdin is a terminal, reading all of a piped
 * stdin (`--token-stdin`), and asking a question on stderr, optionally without echoing the answer
 * (a token must never show on screen or land in a terminal's scrollback).
 */
export interface Terminal {
  readonly stdinIsTTY: boolean;
  readStdin(): Promise<string>;
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
}

type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

const interrupted = () => new CliError('interrupted', 'Interrupted.', { exitCode: ExitCode.interrupted });

export function createTerminal(stdin: Input, stderr: NodeJS.WritableStream): Terminal {
  return {
    stdinIsTTY: stdin.isTTY === true,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
    async ask(question, options = {}) {
      if (options.hidden && stdin.setRawMode) return askHidden(stdin as Input & { setRawMode(mode: boolean): unknown }, stderr, question);
      const rl = createInterface({ input: stdin, output: stderr, terminal: stdin.isTTY === true });
      try {
        return await new Promise<string>((resolve, reject) => {
          rl.once('SIGINT', () => reject(interrupted()));
          rl.question(question).then(resolve, reject);
        });
      } finally {
        rl.close();
      }
    },
  };
}

/** Reads one line in raw mode, echoing nothing; Backspace edits, Ctrl-C interrupts, Enter ends. */
function askHidden(stdin: Input & { setRawMode(mode: boolean): unknown }, stderr: NodeJS.WritableStream, question: string): Promise<string> {
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(value));
        if (ch === '\u0003') return finish(() => reject(interrupted()));
        if (ch === '\u0004' && value === '') return finish(() => resolve(''));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
