import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePathPattern, matchesPattern } from './path-pattern.js';
import { lenientSegments, readRequestPath } from './request-path.js';

describe('readRequestPath', () => {
  it('reads up to the query or fragment and decodes each segment', () => {
    const cases: [string, string, string[]][] = [
      ['/', '/', ['']],
      ['/a/b/', '/a/b/', ['a', 'b', '']],
      ['/a?x=/../%2F', '/a', ['a']],
      ['/a#frag?x', '/a', ['a']],
      ['/%61pi/caf%C3%A9', '/api/café', ['api', 'café']],
      ['/a%20b//c', '/a b//c', ['a b', '', 'c']],
      ['/a%3Fb', '/a?b', ['a?b']],
    ];
    for (const [target, path, segments] of cases) assert.deepEqual(readRequestPath(target), { clean: true, path, segments }, target);
  });

  it('names the problem of a path it cannot read exactly, malformed before ambiguous', () => {
    const cases: [string, 'malformed' | 'ambiguous', RegExp][] = [
      ['a/b', 'malformed', /starting with "\/"/],
      ['/a/%2e', 'malformed', /"\." or "\.\."/],
      ['/a%2Fb/%zz', 'malformed', /valid UTF-8 escape/],
      ['/a%2Fb', 'ambiguous', /encoded "\/" or a backslash/],
      ['/a%5cb', 'ambiguous', /backslash/],
      ['/a\tb', 'malformed', /control character/],
    ];
    for (const [target, kind, message] of cases) {
      const read = readRequestPath(target);
      assert.equal(read.clean, false, target);
      if (read.clean) continue;
      assert.equal(read.problem.kind, kind, target);
      assert.match(read.problem.message, message, target);
    }
  });
});

describe('lenientSegments', () => {
  it('reads a path as the most lenient server would', () => {
    const cases: [string, string[]][] = [
      ['/', []],
      ['//A//b/?q', ['a', 'b']],
      ['/x/../Webhooks%2FStripe', ['webhooks', 'stripe']],
      ['/a\\b%5Cc', ['a', 'b', 'c']],
      ['/../../a/./b/%2E%2E/c', ['a', 'c']],
      ['/bad%zz/ok', ['bad%zz', 'ok']],
    ];
    for (const [target, segments] of cases) {
      assert.deepEqual(lenientSegments(target), segments, target);
      assert.deepEqual(lenientSegments(target, readRequestPath(target)), segments, `${target}, read first`);
    }
  });
});

describe('path patterns', () => {
  it('match :name to one non-empty segment and a trailing * to any rest, even none', () => {
    const cases: [string, string, boolean][] = [
      ['/', '/', true], ['/', '/a', false],
      ['/users/:id', '/users/7', true], ['/users/:id', '/users/', false], ['/users/:id', '/users/7/', false],
      ['/api/*', '/api', true], ['/api/*', '/api/', true], ['/api/*', '/api/a/b/c', true], ['/api/*', '/apiary', false],
      ['/a/*/b', '/a/*/b', true], ['/a/*/b', '/a/x/b', false],
      ['/caf%C3%A9', '/caf%C3%A9', true], ['/x/', '/x', false],
    ];
    for (const [pattern, target, expected] of cases) {
      const read = readRequestPath(target);
      assert.ok(read.clean);
      assert.equal(matchesPattern(compilePathPattern(pattern).exact, read.segments), expected, `${pattern} ~ ${target}`);
    }
  });
});
