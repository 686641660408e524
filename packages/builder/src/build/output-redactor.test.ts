import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildOutput } from './build-output.js';
import { OutputRedactor } from './output-redactor.js';

function redactInPieces(text: string, secrets: string[], cuts: number[]): string {
  const redactor = new OutputRedactor(secrets);
  let out = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += redactor.push(text.slice(from, cut));
    from = cut;
  }
  return out + redactor.flush();
}

test('a secret is redacted wherever the stream is cut, including inside it', () => {
  const text = 'before hunter2 middle hunter2hunter2 after';
  const expected = 'before [redacted] middle [redacted][redacted] after';
  for (let a = 0; a <= text.length; a++) {
    for (let b = a; b <= text.length; b += 3) assert.equal(redactInPieces(text, ['hunter2'], [a, b]), expected, `cut at ${a} and ${b}`);
  }
});

test('overlapping secrets: the longer wins; a secret inside "[redacted]" does not redact the marker', () => {
  assert.equal(redactInPieces('key=abc123456', ['abc', 'abc123456'], [6]), 'key=[redacted]');
  assert.equal(redactInPieces('red dact hunter2', ['hunter2', 'dact'], [3, 10]), 'red [redacted] [redacted]');
  assert.equal(redactInPieces('nothing here', [], [4]), 'nothing here');
  assert.equal(redactInPieces('nothing here', [''], [4]), 'nothing here');
});

test('held-back text that starts a secret is shown on a normal end and redacted when the stream was cut', () => {
  const normal = new OutputRedactor(['hunter2']);
  assert.equal(normal.push('ends with hun') + normal.flush(), 'ends with hun');
  const cut = new OutputRedactor(['hunter2']);
  assert.equal(cut.push('ends with hun') + cut.flush(true), 'ends with [redacted]');
});

test('build output counts bytes against the limit, keeps UTF-8 characters whole and keeps a tail', () => {
  const chunks: string[] = [];
  const output = new BuildOutput(1000, ['s3cret'], (chunk) => chunks.push(chunk));
  const euro = Buffer.from('€');
  assert.equal(output.write(Buffer.concat([Buffer.from('price: '), euro.subarray(0, 1)])), true);
  assert.equal(output.write(Buffer.concat([euro.subarray(1), Buffer.from('5 s3c')])), true);
  assert.equal(output.write(Buffer.from('ret\nline two')), true);
  output.end();
  assert.equal(chunks.join(''), 'price: €5 [redacted]\nline two');
  assert.deepEqual(output.tail(), ['price: €5 [redacted]', 'line two']);
  assert.equal(output.outputBytes, Buffer.byteLength('price: €5 s3cret\nline two'));

  const limited = new BuildOutput(10, [], () => {});
  assert.equal(limited.write(Buffer.from('0123456789abc')), false);
  assert.equal(limited.truncated, true);
  assert.equal(limited.outputBytes, 10);
  limited.end();
  assert.deepEqual(limited.tail(), ['0123456789']);
});
