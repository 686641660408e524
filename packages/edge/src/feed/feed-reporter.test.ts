import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '@berth/testkit';
import type { EdgeReport } from '../link/control-plane-link.js';
import { FeedReporter } from './feed-reporter.js';

function reporter(reportDelayMs: number) {
  const sent: EdgeReport[] = [];
  let appliedSeq = 0;
  const r = new FeedReporter({
    send: async (report) => {
      sent.push(report);
    },
    current: () => ({ appliedSeq, degradedReason: null }),
    reportDelayMs,
  });
  return { r, sent, apply: (seq: number) => (appliedSeq = seq) };
}

test('a change is reported after the report delay, and a burst of changes in it is one report with the latest sequence', async () => {
  const { r, sent, apply } = reporter(30);
  apply(1);
  r.changed();
  apply(2);
  r.changed();
  apply(3);
  r.changed();
  assert.equal(sent.length, 0, 'nothing is sent at once: the requests the change routes go first');
  await eventually(() => sent.length === 1, { message: 'the report went after its delay' });
  assert.equal(sent[0]!.appliedSeq, 3);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(sent.length, 1, 'one report for the burst');
  await r.close();
});

test('a report still waiting for its delay is sent on close, not dropped', async () => {
  const { r, sent, apply } = reporter(60_000);
  apply(7);
  r.changed();
  await r.close();
  assert.deepEqual(sent.map((report) => report.appliedSeq), [7]);
  r.changed();
  assert.equal(sent.length, 1, 'nothing after close');
});
