/**
 * Finds the line of a key in a TOML source. smol-toml returns plain objects without positions, so
 * validation errors find their line here by scanning the text the way a reader would: table
 * headers (`[run]`), array-of-tables headers (`[[routes]]`, counted so that the second one is
 * `routes[1]`) and `key =` lines inside them. The scan is deliberately shallow (no values are
 * parsed); it only has to be right for documents smol-toml has already accepted.
 */

/** A key's place in the document: table and key names, with array indices for `[[tables]]`. */
export type KeyPath = readonly (string | number)[];

interface KeyLine {
  readonly path: readonly (string | number)[];
  readonly line: number;
}

/** Every header and key line of a document, in order; build once, look up many times. */
export type KeyIndex = readonly KeyLine[];

const BARE_KEY = /^[A-Za-z0-9_-]+/;

/**
 * The line (1-based) of the key at `path`. When the key itself is not written (a missing required
 * key, or a value inside an inline table or array), this is the line of its nearest written
 * ancestor: the table's header or the key holding the inline value; line 1 when there is none.
 */
export function locate(source: string | KeyIndex, path: KeyPath): number {
  const index = typeof source === 'string' ? indexKeys(source) : source;
  let best: KeyLine | undefined;
  for (const entry of index) {
    if (entry.path.length > path.length || !entry.path.every((part, i) => part === path[i])) continue;
    if (!best || entry.path.length > best.path.length) best = entry;
  }
  return best?.line ?? 1;
}

/** Scans a TOML document for its header and key lines. */
export function indexKeys(source: string): KeyIndex {
  const entries: KeyLine[] = [];
  const arrayCounts = new Map<string, number>();
  const add = (path: readonly (string | number)[], line: number): void => {
    // Ancestors are recorded at their first appearance so that `[a.b]` still locates `a`.
    for (let n = 1; n < path.length; n++) {
      const prefix = path.slice(0, n);
      if (!entries.some((e) => samePath(e.path, prefix))) entries.push({ path: prefix, line });
    }
    entries.push({ path, line });
  };
  let table: readonly (string | number)[] = [];
  let inMultilineString: string | undefined;
  source.split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    if (inMultilineString) {
      if (countOf(text, inMultilineString) % 2 === 1) inMultilineString = undefined;
      return;
    }
    const header = /^\s*(\[\[?)/.exec(text);
    if (header) {
      const isArray = header[1] === '[[';
      const keys = readDottedKey(text, header[0].length);
      if (!keys) return;
      table = resolveHeader(keys.keys, isArray, arrayCounts);
      add(table, line);
      return;
    }
    const key = readDottedKey(text, 0);
    if (key && /^\s*=/.test(text.slice(key.end))) {
      add([...table, ...key.keys], line);
      const rest = text.slice(key.end);
      for (const quote of ['"""', "'''"]) if (countOf(rest, quote) % 2 === 1) inMultilineString = quote;
    }
  });
  return entries;
}

/** Turns header keys into a concrete path, inserting the current index of each `[[array]]`. */
function resolveHeader(keys: readonly string[], isArray: boolean, counts: Map<string, number>): (string | number)[] {
  const path: (string | number)[] = [];
  keys.forEach((key, i) => {
    path.push(key);
    const id = JSON.stringify(path);
    const count = counts.get(id);
    if (isArray && i === keys.length - 1) {
      counts.set(id, (count ?? 0) + 1);
      path.push(count ?? 0);
    } else if (count !== undefined) {
      path.push(count - 1);
    }
  });
  return path;
}

/** Reads `a.b."c d"` starting at `start`; returns the key parts and where they end. */
function readDottedKey(text: string, start: number): { keys: string[]; end: number } | undefined {
  const keys: string[] = [];
  let pos = start;
  for (;;) {
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    const part = readKeyPart(text, pos);
    if (!part) return undefined;
    keys.push(part.key);
    pos = part.end;
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    if (text[pos] !== '.') return { keys, end: pos };
    pos++;
  }
}

function readKeyPart(text: string, pos: number): { key: string; end: number } | undefined {
  const quote = text[pos];
  if (quote === '"' || quote === "'") {
    let end = pos + 1;
    while (end < text.length && text[end] !== quote) end += quote === '"' && text[end] === '\\' ? 2 : 1;
    if (end >= text.length) return undefined;
    const raw = text.slice(pos, end + 1);
    return { key: quote === '"' ? decodeBasic(raw) : raw.slice(1, -1), end: end + 1 };
  }
  const bare = BARE_KEY.exec(text.slice(pos));
  return bare ? { key: bare[0], end: pos + bare[0].length } : undefined;
}

function decodeBasic(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function samePath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}
