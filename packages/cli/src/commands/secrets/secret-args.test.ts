import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError } from '../../cli-error.js';
import { parseAssignments, secretTarget, valueFromStdin } from './secret-args.js';

describe('secret arguments', () => {
  test('NAME=VALUE splits at the first "="; a value may hold "=" or be empty', () => {
    assert.deepEqual([...parseAssignments(['A=1', 'URL=postgres://x?a=b', 'EMPTY='])], [['A', '1'], ['URL', 'postgres://x?a=b'], ['EMPTY', '']]);
  });

  test('refusals name the argument by position or name and never quote a value', () => {
    for (const args of [['A=1', 'hunter2'], ['=hunter2'], ['A=hunter2', 'A=hunter2']]) {
      assert.throws(() => parseAssignments(args), (error: unknown) => error instanceof CliError && error.code === 'usage' && !error.message.includes('hunter2') && !String(error.suggestion).includes('hunter2'));
    }
  });

  test('stdin loses the one newline that ended it; --app is required and --env defaults to production', () => {
    assert.equal(valueFromStdin('abc\n'), 'abc');
    assert.equal(valueFromStdin('abc\r\n'), 'abc');
    assert.equal(valueFromStdin('abc\n\n'), 'abc\n');
    assert.equal(secretTarget({ app: 'shop' }, 'list').path, '/api/apps/shop/environments/production/secrets');
    assert.throws(() => secretTarget({}, 'list'), /Missing --app/);
  });
});
