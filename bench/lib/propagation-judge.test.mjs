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

test('with three owners in turn, an edge more than one change late misses that change but serves no older epoch', () => {
  // Changes at 1 ms (u1), 100 ms (u2), 200 ms (u0); the edge applies the first two only at 150
  // and 160 ms: it answers as u0 until 150 ms, as u1 until 160 ms, then as u2.
  const responses = [];
  for (let t = 0; t < 150_000; t += 1_000) responses.push(ok(t, t + 500, 'u0'));
  for (let t = 150_000; t < 160_000; t += 1_000) responses.push(ok(t, t + 500, 'u1'));
  for (let t = 160_000; t < 200_000; t += 1_000) responses.push(ok(t, t + 500, 'u2'));
  for (let t = 200_000; t < 210_000; t += 1_000) responses.push(ok(t, t + 500, t >= 201_000 ? 'u0' : 'u2'));
  const judged = judgePropagation({
    initialOwner: 'u0',
    changes: [{ owner: 'u1', committedUs: 1_000 }, { owner: 'u2', committedUs: 100_000 }, { owner: 'u0', committedUs: 200_000 }],
    responses,
  });
  assert.equal(judged.missed, 1, 'u1 never answered before the next change');
  assert.equal(judged.violations, 0);
  assert.deepEqual(judged.delaysMs, [60.5, 1.5]);

  // The same edge answering as u1 again once it had served u2 is an older epoch.
  const older = judgePropagation({
    initialOwner: 'u0',
    changes: [{ owner: 'u1', committedUs: 1_000 }, { owner: 'u2', committedUs: 100_000 }, { owner: 'u0', committedUs: 200_000 }],
    responses: [...responses, ok(170_000, 170_600, 'u1')],
  });
  assert.equal(older.violations, 1);
});
