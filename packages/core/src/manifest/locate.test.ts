import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locate } from './locate.js';
import { closestWord, editDistance } from './suggest.js';

const source = `name = "shop"

[run]
command = "node server.js"
  port = 8080 # indented keys count too

[[routes]]
path = "/a"

[[routes]]
path = "/b"
"class" = "safe"

[build]
command = """
port = 1
"""
timeout = "1m"
scale.min = 0
`;

describe('locate', () => {
  it('finds top-level keys, table headers and keys inside tables', () => {
    assert.equal(locate(source, ['name']), 1);
    assert.equal(locate(source, ['run']), 3);
    assert.equal(locate(source, ['run', 'command']), 4);
    assert.equal(locate(source, ['run', 'port']), 5);
  });

  it('counts [[array]] headers', () => {
    assert.equal(locate(source, ['routes', 0]), 7);
    assert.equal(locate(source, ['routes', 0, 'path']), 8);
    assert.equal(locate(source, ['routes', 1, 'path']), 11);
    assert.equal(locate(source, ['routes', 1, 'class']), 12);
    assert.equal(locate(source, ['routes']), 7);
  });

  it('points a missing key at its table header, or at line 1', () => {
    assert.equal(locate(source, ['run', 'memory']), 3);
    assert.equal(locate(source, ['routes', 1, 'methods']), 10);
    assert.equal(locate(source, ['live', 'path']), 1);
  });

  it('skips lines inside multi-line strings', () => {
    assert.equal(locate(source, ['build', 'port']), 14);
    assert.equal(locate(source, ['build', 'timeout']), 18);
  });

  it('reads dotted keys and points items of a list at the list', () => {
    assert.equal(locate(source, ['build', 'scale', 'min']), 19);
    assert.equal(locate('[secrets]\nrequired = ["a", "b"]\n', ['secrets', 'required', 1]), 2);
  });

  it('resolves sub-tables of the current array entry', () => {
    const text = '[[a]]\nx = 1\n[[a]]\n[a.b]\ny = 2\n';
    assert.equal(locate(text, ['a', 1, 'b', 'y']), 5);
    assert.equal(locate(text, ['a', 1, 'b']), 4);
  });

  it('points at the key holding an inline table', () => {
    assert.equal(locate('\nscale = { min = 0, max = 0 }\n', ['scale', 'max']), 2);
  });
});

describe('closestWord', () => {
  it('suggests within two edits, counting a swap as one', () => {
    assert.equal(editDistance('prot', 'port'), 1);
    assert.equal(closestWord('prot', ['command', 'port', 'health']), 'port');
    assert.equal(closestWord('comand', ['command', 'port']), 'command');
    assert.equal(closestWord('timout', ['timeout', 'output_limit']), 'timeout');
    assert.equal(closestWord('zzzz', ['command', 'port']), undefined);
  });
});
