import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSize, parseSize } from './size.js';

describe('parseSize', () => {
  it('reads binary units in powers of 1024', () => {
    assert.equal(parseSize('512MiB'), 512 * 1024 * 1024);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.equal(parseSize('4MiB'), 4 * 1024 * 1024);
    assert.equal(parseSize('2KiB'), 2048);
    assert.equal(parseSize('1TiB'), 1024 ** 4);
  });

  it('reads decimal units in powers of 1000', () => {
    assert.equal(parseSize('100KB'), 100_000);
    assert.equal(parseSize('5MB'), 5_000_000);
    assert.equal(parseSize('2GB'), 2_000_000_000);
    assert.equal(parseSize('10B'), 10);
  });

  it('reads fractions that come to whole bytes, exactly', () => {
    assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('1.1GB'), 1_100_000_000);
    assert.equal(parseSize('0.5KiB'), 512);
  });

  it('accepts one space between number and unit', () => {
    assert.equal(parseSize('512 MiB'), 512 * 1024 * 1024);
  });

  it('reads integers as bytes', () => {
    assert.equal(parseSize(4096n), 4096);
    assert.equal(parseSize(4096), 4096);
  });

  it('refuses what is not a size', () => {
    for (const bad of ['', '512', '512M', '512mb', '512mib', '1 GiB ', 'MiB', '-1MiB', '1.MiB', '1e3B', '512  MiB']) {
      assert.throws(() => parseSize(bad), RangeError, bad);
    }
  });

  it('refuses fractions of a byte and negative numbers', () => {
    assert.throws(() => parseSize('1.1KiB'), /whole number of bytes/);
    assert.throws(() => parseSize(-1n), /negative/);
    assert.throws(() => parseSize(1.5), /whole number of bytes/);
  });
});

describe('formatSize', () => {
  it('prints the largest exact unit, binary first', () => {
    assert.equal(formatSize(4 * 1024 * 1024), '4MiB');
    assert.equal(formatSize(100_000), '100KB');
    assert.equal(formatSize(1023), '1023B');
    assert.equal(formatSize(0), '0B');
  });

  it('round-trips through parseSize', () => {
    for (const bytes of [1, 1000, 1024, 123_456, 512 * 1024 * 1024]) assert.equal(parseSize(formatSize(bytes)), bytes);
  });
});
