import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads each unit', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('0s'), 0);
  });

  it('reads combined parts and fractions', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('0.25h'), 900_000);
  });

  it('reads integers as seconds', () => {
    assert.equal(parseDuration(30), 30_000);
    assert.equal(parseDuration(30n), 30_000);
    assert.equal(parseDuration(0n), 0);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '10', '10 s', '10sec', 's', '-5s', '1d', '10S', '1.s', ' 5s', '5s ']) {
      assert.throws(() => parseDuration(bad), RangeError, bad);
    }
  });

  it('refuses fractions of a millisecond, negative and fractional seconds', () => {
    assert.throws(() => parseDuration('0.5ms'), /whole number of milliseconds/);
    assert.throws(() => parseDuration(-1n), /negative/);
    assert.throws(() => parseDuration(1.5), /whole number of seconds/);
  });

  it('refuses durations past the safe integer range', () => {
    assert.throws(() => parseDuration(10n ** 20n), /too long/);
  });
});

describe('formatDuration', () => {
  it('prints the largest exact unit', () => {
    assert.equal(formatDuration(120_000), '2m');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1_500), '1500ms');
    assert.equal(formatDuration(7_200_000), '2h');
    assert.equal(formatDuration(0), '0s');
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1_000, 61_000, 3_600_000, 5_400_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});
