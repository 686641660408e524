/**
 * Typed reads from one TOML table, each recording a problem instead of throwing. A reader knows
 * its table's place in the document (for `locate`) and how a sentence names it (`[run]`,
 * `[[routes]]`), reports keys it does not know on construction, and returns `undefined` from a
 * read that failed or found nothing, so validators apply defaults with `??`.
 */
import { formatDuration, parseDuration } from './duration.js';
import type { KeyPath } from './locate.js';
import type { ProblemList } from './problems.js';
import { formatSize, parseSize } from './size.js';
import { closestWord } from './suggest.js';
import { describe, isTable, listWords, show, type TomlTable } from './toml-values.js';

/** Checks a string value; returns what is wrong with it, or undefined when it is fine. */
export type StringCheck = (value: string) => string | undefined;

const DURATION_FORM = 'a duration like "30s", "15m" or "1h", or an integer of seconds';
const SIZE_FORM = 'a size like "512MiB", "1GiB" or "100KB", or an integer of bytes';

export class TableReader {
  constructor(
    readonly problems: ProblemList,
    readonly path: KeyPath,
    /** How sentences name this table: `[run]`, `[[routes]]`, or '' for the document's top level. */
    readonly header: string,
    private readonly values: TomlTable,
    known: readonly string[],
    /** How a known key is named in a "did you mean" (the top level shows tables as `[build]`). */
    shownAs: (key: string) => string = (key) => key,
  ) {
    for (const [key, value] of Object.entries(values)) {
      if (known.includes(key)) continue;
      const guess = closestWord(key, known);
      const isTableLike = this.header === '' && (isTable(value) || (Array.isArray(value) && value.every(isTable) && value.length > 0));
      const name = !isTableLike ? key : isTable(value) ? `[${key}]` : `[[${key}]]`;
      const hint = guess ? `did you mean ${shownAs(guess)}?` : `${this.header || 'the top level'} takes ${listWords(known.map(shownAs), false)}`;
      problems.add([...path, key], this.header && !isTableLike ? `${this.header} ${name}` : name, `unknown ${isTableLike ? 'table' : 'key'}; ${hint}`);
    }
  }

  has(key: string): boolean {
    return Object.hasOwn(this.values, key);
  }

  /** Records a problem with `key` (or an item inside it), or with the table itself when key is undefined. */
  report(key: string | undefined, message: string, inside: readonly (string | number)[] = []): void {
    if (key === undefined) return this.problems.add(this.path, this.header, message);
    this.problems.add([...this.path, key, ...inside], this.header ? `${this.header} ${key}` : key, message);
  }

  /** A non-empty string; `required` is the hint given when it is missing. */
  string(key: string, check?: StringCheck, required?: string): string | undefined {
    const value = this.present(key, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.fail(key, `must be a string, got ${describe(value)}`);
    if (value.trim() === '') return this.fail(key, 'must not be empty');
    const problem = check?.(value);
    return problem ? this.fail(key, problem) : value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.present(key);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.fail(key, `must be true or false, got ${describe(value)}`);
  }

  /** An integer within `min`..`max`; `atLeast` names the lower bound when it comes from another key. */
  integer(key: string, range: { min?: number; max?: number; atLeast?: string }): number | undefined {
    const value = this.present(key);
    if (value === undefined) return undefined;
    const { min, max } = range;
    const want =
      min !== undefined && max !== undefined ? `an integer from ${min} to ${max}` : min !== undefined ? `an integer >= ${range.atLeast ?? min}` : 'an integer';
    if (typeof value !== 'bigint') return this.fail(key, `must be ${want}, got ${describe(value)}`);
    if ((min !== undefined && value < BigInt(min)) || (max !== undefined && value > BigInt(max))) {
      return this.fail(key, `must be ${want}, got ${value}`);
    }
    return Number(value);
  }

  /** A duration in milliseconds, more than zero unless `allowZero`, and at most `max` (shown as `maxText`). */
  duration(key: string, limits: { allowZero?: boolean; max?: number; maxText?: string } = {}): number | undefined {
    const value = this.present(key);
    if (value === undefined) return undefined;
    const ms = this.convert(key, value, parseDuration, DURATION_FORM);
    if (ms === undefined) return undefined;
    if (ms === 0 && !limits.allowZero) return this.fail(key, `must be longer than 0s, got ${show(value)}`);
    if (limits.max !== undefined && ms > limits.max) return this.fail(key, `must be at most ${limits.maxText ?? formatDuration(limits.max)}, got ${show(value)}`);
    return ms;
  }

  /** A size in bytes, more than zero. */
  size(key: string): number | undefined {
    const value = this.present(key);
    if (value === undefined) return undefined;
    const bytes = this.convert(key, value, parseSize, SIZE_FORM);
    if (bytes === 0) return this.fail(key, `must be more than ${formatSize(0)}, got ${show(value)}`);
    return bytes;
  }

  /** One of a fixed set of strings, with a "did you mean" for a near miss. */
  oneOf<T extends string>(key: string, choices: readonly T[], required?: string): T | undefined {
    const value = this.present(key, required);
    if (value === undefined) return undefined;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    const guess = typeof value === 'string' ? closestWord(value, choices) : undefined;
    const got = typeof value === 'string' ? show(value) : describe(value);
    return this.fail(key, `must be ${listWords(choices)}, got ${got}${guess ? `; did you mean "${guess}"?` : ''}`);
  }

  /** A list of strings, each checked, with no string listed twice. */
  stringList(key: string, check?: StringCheck): string[] | undefined {
    const value = this.present(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.fail(key, `must be a list of strings, got ${describe(value)}`);
    const items: string[] = [];
    let ok = true;
    value.forEach((item: unknown, i) => {
      const problem =
        typeof item !== 'string' ? `must be a list of strings, but item ${i + 1} is ${describe(item)}`
        : items.includes(item) ? `lists ${show(item)} twice`
        : check?.(item);
      if (problem) {
        ok = false;
        this.report(key, problem, [i]);
      }
      if (typeof item === 'string') items.push(item);
    });
    return ok ? items : undefined;
  }

  /** The sub-table at `key`, or undefined when it is absent or not a table. */
  table(key: string, known: readonly string[]): TableReader | undefined {
    const value = this.present(key);
    if (value === undefined) return undefined;
    if (isTable(value)) return new TableReader(this.problems, [...this.path, key], `[${key}]`, value, known);
    const hint = Array.isArray(value) && value.every(isTable) ? `; write [${key}] once, not [[${key}]]` : '';
    return this.fail(key, `must be a table, got ${describe(value)}${hint}`);
  }

  /** The tables of an array of tables at `key` (`[[routes]]`); empty when absent. */
  tables(key: string, known: readonly string[]): TableReader[] {
    const value = this.present(key);
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every(isTable)) {
      const hint = isTable(value) ? `; write [[${key}]] before each entry, not [${key}]` : '';
      this.fail(key, `must be an array of tables, got ${describe(value)}${hint}`);
      return [];
    }
    return value.map((entry, i) => new TableReader(this.problems, [...this.path, key, i], `[[${key}]]`, entry, known));
  }

  private present(key: string, required?: string): unknown {
    const value = this.values[key];
    if (value === undefined && required !== undefined) this.report(key, `required; ${required}`);
    return value;
  }

  private convert(key: string, value: unknown, parse: (v: string | bigint) => number, form: string): number | undefined {
    if (typeof value !== 'string' && typeof value !== 'bigint') return this.fail(key, `must be ${form}, got ${describe(value)}`);
    try {
      return parse(value);
    } catch {
      return this.fail(key, `must be ${form}, got ${show(value)}`);
    }
  }

  private fail(key: string, message: string): undefined {
    this.report(key, message);
    return undefined;
  }
}
