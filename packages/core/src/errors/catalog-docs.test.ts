import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { errorCatalog } from './catalog.js';

// Keeps docs/errors.md and the error catalog equal: every code in both, with the same status,
// message and suggestion. When it fails, its message prints the exact markdown rows to add, replace
// or remove, so whoever changed the catalog can paste them into the doc.

type Entry = { readonly status: number; readonly message: string; readonly suggestion: string };

function repoRoot(): string {
  const fromEnv = process.env['BERTH_REPO_ROOT'];
  if (fromEnv) return fromEnv;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs', 'operations'))) return dir;
    if (dirname(dir) === dir) throw new Error('No folder above this test holds docs/; set BERTH_REPO_ROOT.');
  }
}

/**
 * Text as it is written in a markdown table cell: a pipe is escaped everywhere, and angle brackets
 * outside code spans become entities, because a renderer would otherwise take `<data dir>` for HTML.
 */
function toCell(text: string): string {
  const parts = text.split(/(`[^`]*`)/);
  return parts.map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '&lt;').replaceAll('>', '&gt;'))).join('').replaceAll('|', '\\|');
}

function fromCell(cell: string): string {
  return cell.trim().replaceAll('\\|', '|').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

const row = (code: string, entry: Entry) => `| \`${code}\` | ${entry.status} | ${toCell(entry.message)} | ${toCell(entry.suggestion)} |`;

/** The rows of the table whose header starts with "code", keyed by code, plus any code listed twice. */
function documentedRows(markdown: string): { rows: Map<string, Entry>; twice: string[] } {
  const rows = new Map<string, Entry>();
  const twice: string[] = [];
  for (const line of markdown.split('\n').map((l) => l.trim())) {
    if (!line.startsWith('|')) continue;
    const cells = line.replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).map(fromCell);
    const code = (cells[0] ?? '').replaceAll('`', '');
    if (code === 'code' || /^:?-+:?$/.test(code)) continue;
    if (rows.has(code)) twice.push(code);
    rows.set(code, { status: Number(cells[1]), message: cells[2] ?? '', suggestion: cells[3] ?? '' });
  }
  return { rows, twice };
}

/** What differs between a catalog and the doc, as instructions a person can follow; empty when equal. */
function catalogDocProblems(catalog: Readonly<Record<string, Entry>>, markdown: string): string[] {
  const { rows, twice } = documentedRows(markdown);
  const problems: string[] = [];
  const missing = Object.keys(catalog).filter((code) => !rows.has(code));
  const extra = [...rows.keys()].filter((code) => !Object.hasOwn(catalog, code));
  const changed = Object.entries(catalog).filter(([code, entry]) => {
    const doc = rows.get(code);
    return doc && (doc.status !== entry.status || doc.message !== entry.message || doc.suggestion !== entry.suggestion);
  });
  if (missing.length) problems.push(`Add these rows to docs/errors.md (the codes are in the catalog, not in the doc):\n${missing.map((code) => row(code, catalog[code] as Entry)).join('\n')}`);
  if (extra.length) problems.push(`Remove the rows for ${extra.map((code) => `\`${code}\``).join(', ')} from docs/errors.md (the catalog has no such code).`);
  for (const [code, entry] of changed) {
    const doc = rows.get(code) as Entry;
    const columns = (['status', 'message', 'suggestion'] as const).filter((column) => doc[column] !== entry[column]);
    problems.push(`The row for \`${code}\` differs from the catalog in its ${columns.join(', ')}; replace it with:\n${row(code, entry)}`);
  }
  if (twice.length) problems.push(`docs/errors.md lists ${twice.map((code) => `\`${code}\``).join(', ')} more than once; keep one row each.`);
  return problems;
}

describe('docs/errors.md', () => {
  it('lists exactly the codes of the error catalog, with the same status, message and suggestion', () => {
    const path = join(repoRoot(), 'docs', 'errors.md');
    assert.ok(existsSync(path), 'docs/errors.md is missing: it lists every code of packages/core/src/errors/catalog.ts.');
    const problems = catalogDocProblems(errorCatalog, readFileSync(path, 'utf8'));
    assert.deepEqual(problems, [], `docs/errors.md and the error catalog differ:\n\n${problems.join('\n\n')}\n`);
  });

  it('says exactly which rows to add, replace and remove when the two drift apart', () => {
    const catalog: Record<string, Entry> = {
      kept: { status: 409, message: 'Kept.', suggestion: 'Run `berth ops show <id>`.' },
      changed: { status: 404, message: 'Changed.', suggestion: 'Look in <data dir> | elsewhere.' },
      added: { status: 400, message: 'Added.', suggestion: 'Do it.' },
    };
    const doc = [
      '| code | HTTP status | message | suggestion |',
      '| --- | --- | --- | --- |',
      row('kept', catalog['kept'] as Entry),
      '| `changed` | 500 | Changed. | Look in &lt;data dir&gt; \\| elsewhere. |',
      '| `removed` | 500 | Gone. | Nothing. |',
      '| `removed` | 500 | Gone. | Nothing. |',
    ].join('\n');
    assert.deepEqual(catalogDocProblems(catalog, doc), [
      'Add these rows to docs/errors.md (the codes are in the catalog, not in the doc):\n| `added` | 400 | Added. | Do it. |',
      'Remove the rows for `removed` from docs/errors.md (the catalog has no such code).',
      'The row for `changed` differs from the catalog in its status; replace it with:\n| `changed` | 404 | Changed. | Look in &lt;data dir&gt; \\| elsewhere. |',
      'docs/errors.md lists `removed` more than once; keep one row each.',
    ]);
  });
});
