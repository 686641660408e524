/**
 * What smol-toml hands back, seen from validation: tables are null-prototype objects, integers are
 * bigints (parseManifest asks for them so that `port = 80.0` can be told apart from `port = 80`),
 * floats are numbers, and dates are Date objects. These helpers name a value the way a message
 * should: `a string ("8080")`, `an integer (5)`, `a table`.
 */

export type TomlTable = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}

/** The value as it would appear in the file, shortened: `"abc"`, `5`, `true`. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }
  // A float that holds a whole number is shown as TOML writes it ("80.0"), or "got a float (80)" would puzzle.
  if (typeof value === 'number' && Number.isInteger(value)) return `${value}.0`;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return kindOf(value);
}

/** The value's TOML type with an article and, for scalars, the value: `a float (1.5)`. */
export function describe(value: unknown): string {
  const kind = kindOf(value);
  return kind === 'a string' || kind === 'an integer' || kind === 'a float' || kind === 'a boolean' ? `${kind} (${show(value)})` : kind;
}

function kindOf(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return 'a float';
  if (typeof value === 'boolean') return 'a boolean';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'a list';
  return 'a table';
}

/** Joins choices for a sentence: `"a", "b" or "c"`. */
export function listWords(words: readonly string[], quote = true): string {
  const shown = words.map((w) => (quote ? `"${w}"` : w));
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}
