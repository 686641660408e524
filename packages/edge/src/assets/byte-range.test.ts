import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteRange } from './byte-range.js';

test('one range, an open range and a suffix select the bytes they name, clamped to the file', () => {
  assert.deepEqual(parseByteRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseByteRange('bytes=90-200', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=10-', 100), { start: 10, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-500', 100), { start: 0, end: 99 });
});

test('a range outside the file is unsatisfiable; a malformed or multiple one is ignored (the whole file)', () => {
  assert.equal(parseByteRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseByteRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseByteRange('bytes=0-', 0), 'unsatisfiable');
  for (const header of [undefined, 'bytes=5-1', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'bytes=a-b']) assert.equal(parseByteRange(header, 100), undefined, String(header));
});
