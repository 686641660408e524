/**
 * Collecting what is wrong with a manifest. Validation does not stop at the first problem: every
 * reader adds what it finds here, and parsing ends with one BerthError that lists them all, so a
 * person fixes a manifest in one pass instead of one deploy per mistake.
 */
import { BerthError } from '../errors/index.js';
import { indexKeys, locate, type KeyIndex, type KeyPath } from './locate.js';

/** One thing wrong with a manifest, as carried in the error's `details.problems`. */
export interface ManifestProblem {
  /** The 1-based line the problem is on (a missing key points at its table's header, or line 1). */
  readonly line: number;
  /**
   * The key as a dotted path with 0-based indices for `[[tables]]` and lists, like `scale.max`,
   * `routes[1].path` or `secrets.required[2]`; empty when the file is not valid TOML.
   */
  readonly key: string;
  /** The full sentence a person reads: `berth.toml:12: [scale] max: must be an integer >= 1, got 0`. */
  readonly message: string;
}

/** The `details` of an `invalid_manifest` BerthError thrown by parseManifest. */
export interface ManifestProblemDetails {
  readonly file: string;
  readonly problems: readonly ManifestProblem[];
}

export class ProblemList {
  private readonly found: { problem: ManifestProblem; order: number }[] = [];
  private index: KeyIndex | undefined;

  constructor(
    readonly file: string,
    private readonly source: string,
  ) {}

  /** Records a problem with the key at `path`; `shown` is the key as the sentence names it. */
  add(path: KeyPath, shown: string, message: string): void {
    this.index ??= indexKeys(this.source);
    const line = locate(this.index, path);
    this.push({ line, key: dottedKey(path), message: `${this.file}:${line}: ${shown}: ${message}` });
  }

  /** Records that the file is not TOML at all, at the line and column the parser reported. */
  addSyntax(line: number, column: number, reason: string): void {
    this.push({ line, key: '', message: `${this.file}:${line}: not valid TOML (column ${column}): ${reason}` });
  }

  /** The line of the key at `path`, for sentences that point at a second place in the file. */
  lineOf(path: KeyPath): number {
    this.index ??= indexKeys(this.source);
    return locate(this.index, path);
  }

  get size(): number {
    return this.found.length;
  }

  /** Problems in file order; two on the same line keep the order they were found in. */
  list(): ManifestProblem[] {
    return [...this.found].sort((a, b) => a.problem.line - b.problem.line || a.order - b.order).map((f) => f.problem);
  }

  /** Throws one `invalid_manifest` error naming the first problem and counting the rest. */
  throwIfAny(): void {
    const problems = this.list();
    const [first] = problems;
    if (!first) return;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    const details: ManifestProblemDetails = { file: this.file, problems };
    throw new BerthError('invalid_manifest', first.message + more, { details: { ...details } });
  }

  private push(problem: ManifestProblem): void {
    this.found.push({ problem, order: this.found.length });
  }
}

/** `['routes', 1, 'path']` → `routes[1].path`. Keys that are not bare TOML keys are quoted. */
export function dottedKey(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out ? '.' : '') + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return out;
}
