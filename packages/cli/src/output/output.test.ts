import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError } from '../cli-error.js';
import { ExitCode, exitCodeForStatus } from '../exit-codes.js';
import { createPrinter, formatError } from './printer.js';
import { createStyle } from './style.js';
import { renderFields, renderTable, summarizeEvidence } from './table.js';
import { isoTime, relativeTime } from './time.js';

describe('output', () => {
  test('tables align columns, print "-" for empty cells and keep colour out of the padding', () => {
    const rows = [{ a: 'x', b: null }, { a: 'longer', b: 'y' }];
    const columns = [{ header: 'A', value: (r: (typeof rows)[number]) => r.a }, { header: 'B', value: (r: (typeof rows)[number]) => r.b }];
    assert.equal(renderTable(rows, columns), 'A       B\nx       -\nlonger  y');
    const coloured = renderTable(rows, [{ ...columns[0]!, paint: (text: string) => `<${text}>` }, columns[1]!]);
    assert.equal(coloured, 'A       B\n<x>       -\n<longer>  y');
    const styled = renderTable(rows, columns, createStyle(true));
    assert.ok(styled.startsWith('\u001b[1mA     \u001b[22m'));
  });

  test('fields align their values', () => {
    assert.equal(renderFields([['id', 'op_1'], ['failure mode', null]]), 'id:            op_1\nfailure mode:  -');
  });

  test('times: relative in tables, ISO in show views', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(relativeTime('2026-01-01T11:59:58Z', now), 'just now');
    assert.equal(relativeTime('2026-01-01T11:59:30Z', now), '30s ago');
    assert.equal(relativeTime('2026-01-01T11:57:00Z', now), '3m ago');
    assert.equal(relativeTime('2026-01-01T07:00:00Z', now), '5h ago');
    assert.equal(relativeTime('2025-12-30T12:00:00Z', now), '2d ago');
    assert.equal(relativeTime('2025-06-01T12:00:00Z', now), '2025-06-01');
    assert.equal(relativeTime('2026-01-01T12:10:00Z', now), 'in 10m');
    assert.equal(relativeTime(null, now), '-');
    assert.equal(isoTime('2026-01-01T12:00:00+00:00'), '2026-01-01T12:00:00.000Z');
  });

  test('evidence becomes one short line', () => {
    assert.equal(summarizeEvidence({ kind: 'expand', statements: 1, list: ['a'] }), 'kind=expand, statements=1, list=["a"]');
    assert.equal(summarizeEvidence({ text: 'x'.repeat(100) }, 20), `text=${'x'.repeat(14)}…`);
    assert.equal(summarizeEvidence({}), '-');
  });

  test('errors print message, code and hint; under --json the error is the one document on stdout', () => {
    const error = new CliError('not_found', 'No app "x".', { exitCode: ExitCode.notFound, status: 404, suggestion: 'Run `berth apps list`.' });
    assert.equal(formatError(error, createStyle(false)), 'error: No app "x".\n  code: not_found\n  hint: Run `berth apps list`.\n');
    const stdout: string[] = [];
    const stderr: string[] = [];
    const printer = createPrinter({ json: true, stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: (t: string) => stderr.push(t) }, style: createStyle(false), errorStyle: createStyle(false) });
    printer.line('dropped under --json');
    printer.error(error);
    assert.deepEqual(JSON.parse(stdout.join('')), { error: { code: 'not_found', message: 'No app "x".', suggestion: 'Run `berth apps list`.', status: 404 } });
    assert.equal(stderr.join(''), formatError(error, createStyle(false)));
  });

  test('HTTP statuses map to the documented exit codes', () => {
    assert.deepEqual([401, 403, 404, 400, 409, 422, 500, 503].map(exitCodeForStatus), [3, 3, 4, 5, 5, 5, 6, 6]);
  });
});
