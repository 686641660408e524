import { createStyle, type Style } from './style.js';

/**
 * Aligned plain-text tables and field lists. Padding is computed on the text before it is
 * coloured, so escape codes never throw the columns off; an empty cell prints as "-".
 */
export interface Column<T> {
  readonly header: string;
  value(row: T): string | number | null | undefined;
  readonly align?: 'left' | 'right';
  /** Colours a cell's text; the padding around it stays plain. */
  readonly paint?: (text: string, row: T) => string;
}

const gap = '  ';

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  // A newline would break the row in two; tables are for one-line values.
  return String(value).replace(/\s*\n\s*/g, ' ');
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], style: Style = createStyle(false)): string {
  const texts = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...texts.map((cells) => cells[i]!.length)));
  const pad = (text: string, i: number) => {
    const last = i === columns.length - 1;
    if (columns[i]!.align === 'right') return text.padStart(widths[i]!);
    return last ? text : text.padEnd(widths[i]!);
  };
  const header = columns.map((column, i) => style.bold(pad(column.header, i))).join(gap).trimEnd();
  const lines = texts.map((cells, r) =>
    cells
      .map((text, i) => {
        const padded = pad(text, i);
        const paint = columns[i]!.paint;
        return paint ? padded.replace(text, paint(text, rows[r]!)) : padded;
      })
      .join(gap)
      .trimEnd(),
  );
  return [header, ...lines].join('\n');
}

/** "label:   value" lines with the values aligned, for show views. */
export function renderFields(fields: ReadonlyArray<readonly [string, string | number | null | undefined]>, style: Style = createStyle(false)): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${style.dim(`${label}:`.padEnd(width))}  ${cell(value)}`).join('\n');
}

/** One line from evidence: `key=value, key=value`, values as JSON unless they are plain strings, cut at `max`. */
export function summarizeEvidence(evidence: Readonly<Record<string, unknown>> | null | undefined, max = 72): string {
  if (!evidence) return '-';
  const parts = Object.entries(evidence).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const line = parts.join(', ').replace(/\s*\n\s*/g, ' ');
  if (line === '') return '-';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
