// Checks of the propagation benchmark's reading of its probe (node --test bench/lib/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgePropagation } from './propagation-judge.mjs';

const ok = (sentUs, recvUs, owner) => ({ sentUs, recvUs, owner, status: 200 });

test('the delay runs from the commit to the first answer of the new owner', () => {
  const judged = judgePropagation({
    initialOwner: 'u0',
    changes: [{ owner: 'u1', committedUs: 1_000 }, { owner: 'u0', committedUs: 100_000 }],
    responses: [ok(500, 900, 'u0'), ok(1_100, 1_400, 'u0'), ok(2_000, 2_600, 'u1'), ok(3_000, 3_300, 'u1'), ok(100_500, 103_000, 'u0')],
  });
  assert.deepEqual(judged.delaysMs, [1.6, 3]);
  assert.equal(judged.violations, 0);
  assert.equal(judged.missed, 0);
});

test('the old owner answering a request sent after the edge served the new one is a violation; in flight it is not', () => {
  const judged = judgePropagation({
    initialOwner: 'u0',
    changes: [{ owner: 'u1', committedUs: 1_000 }],
    responses: [ok(900, 2_500, 'u0'), ok(1_500, 2_000, 'u1'), ok(2_100, 2_400, 'u0'), ok(2_200, 2_500, 'u1')],
  });
  assert.equal(judged.violations, 1);
});

test('an answer from an owner whose epoch was not committed before it came back is a violation', () => {
  const judged = judgePropagation({ initialOwner: 'u0', changes: [{ owner: 'u1', committedUs: 5_000 }], responses: [ok(1_000, 1_500, 'u1'), ok(6_000, 6_200, 'u1')] });
  assert.equal(judged.violations, 1);
  assert.deepEqual(judged.delaysMs, [1.2]);
});

test('a change the probe never saw served is missed; failures are counted apart', () => {
  const judged = judgePropagation({
    initialOwner: 'u0',
    changes: [{ owner: 'u1', committedUs: 1_000 }, { owner: 'u0', committedUs: 2_000 }],
    responses: [ok(1_100, 1_300, 'u0'), ok(2_100, 2_400, 'u0'), { sentUs: 2_500, recvUs: 2_600, owner: '-', status: 0 }],
  });
  assert.equal(judged.missed, 1);
  assert.equal(judged.failed, 1);
  assert.equal(judged.violations, 0);
});
