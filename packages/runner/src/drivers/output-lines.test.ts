import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, maxLineBytes, sanitizeLine } from './output-lines.js';

function split(...chunks: Array<string | Buffer>): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
}

test('lines split across chunks are joined, CRLF and a missing final newline are handled', () => {
  assert.deepEqual(split('one\ntw', 'o\r\nthr', 'ee'), ['one', 'two', 'three']);
  assert.deepEqual(split('\n\n'), ['', '']);
});

test('ANSI escapes and NUL bytes are removed', () => {
  assert.equal(sanitizeLine('\x1b[1;31merror\x1b[0m: bad\0 thing'), 'error: bad thing');
  assert.equal(sanitizeLine('\x1b]0;title\x07visible'), 'visible');
  assert.deepEqual(split('\x1b[32mok\x1b[0m\0\n'), ['ok']);
});

test('a line past 8 KiB is cut, marked, and the rest of it dropped', () => {
  const lines = split('a'.repeat(maxLineBytes * 3), 'b'.repeat(100), '\nnext\n');
  assert.equal(lines.length, 2);
  assert.ok(Buffer.byteLength(lines[0]!) <= maxLineBytes);
  assert.ok(lines[0]!.endsWith(' [truncated]'));
  assert.equal(lines[1], 'next');
});

test('a cut never splits a multi-byte character', () => {
  const [line] = split('é'.repeat(maxLineBytes) + '\n');
  assert.ok(!line!.includes('\ufffd'));
  assert.ok(Buffer.byteLength(line!) <= maxLineBytes);
});
