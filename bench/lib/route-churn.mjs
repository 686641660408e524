// Owner changes during a route-table run, and the rule that judges the responses of the hosts
// that moved.
//
// The rule: a host moves from owner A to owner B once in a run; the edge records the monotonic
// time just before (T0) and just after (T1) it applied the change, and every response carries the
// time its request was sent (S) and the time it came back (R), on the same clock. A response is
//   - correct from B if R >= T0 (it cannot have been routed before the change began);
//   - correct from A if S <= T1 (the request may have been routed before the change; counted
//     as "old owner, in flight" when it was still out at T0);
//   - misrouted otherwise: A answering a request sent after the change was applied, B answering
//     one that came back before the change began, or any third upstream.
import { readFileSync } from 'node:fs';
import { routeTo } from './servers.mjs';

/**
 * Sends the edge its changes and waits until it has started applying them, spread over
 * `durationMs`. `applied` resolves with the edge's timeline once the last change is in.
 * @param {import('./children.mjs').Running} edge
 * @param {Map<string, { from: string, to: string, epoch: number }>} changes
 */
export async function startChurn(edge, changes, fixture, durationMs) {
  const routes = [...changes].map(([host, change]) => routeTo(host, change.to, fixture.ports[change.to], change.epoch));
  const reply = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        edge.child.off('message', onMessage);
        resolve(message);
      };
      edge.child.on('message', onMessage);
      void edge.exited.then(() => reject(new Error(`${edge.name} exited during the churn:\n${edge.output()}`)));
    });
  const started = reply('churn-started');
  const applied = reply('churn-applied').then((message) => message.timeline);
  // Consumed here too, so an edge that dies after the run cannot leave an unhandled rejection.
  applied.catch(() => {});
  edge.child.send({ type: 'churn', changes: routes, durationMs });
  await started;
  return { applied };
}

/**
 * Judges the responses the wrk script recorded for moving hosts.
 * @returns {{ misrouted: number, accepted: number, judged: number }}
 */
export function judgeMovingResponses(recordsFile, changes, timeline, check) {
  const applied = new Map(timeline.map((entry) => [entry.hostname, entry]));
  if (applied.size !== changes.size) throw new Error(`route-table: the edge applied ${applied.size} of ${changes.size} owner changes`);
  const lines = readFileSync(recordsFile, 'utf8').split('\n').filter((line) => line !== '');
  if (check !== undefined && lines.length !== check.recorded) {
    throw new Error(`route-table: the wrk script recorded ${check.recorded} responses of moving hosts but ${lines.length} reached ${recordsFile}`);
  }
  let misrouted = 0;
  let accepted = 0;
  for (const line of lines) {
    const [host, answeredBy, sent, received] = line.split(' ');
    const change = changes.get(host);
    const at = applied.get(host);
    const sentUs = Number(sent);
    const receivedUs = Number(received);
    if (change === undefined || at === undefined) misrouted += 1;
    else if (answeredBy === change.to) misrouted += receivedUs >= at.beforeUs ? 0 : 1;
    else if (answeredBy === change.from && sentUs <= at.afterUs) accepted += receivedUs >= at.beforeUs ? 1 : 0;
    else misrouted += 1;
  }
  return { misrouted, accepted, judged: lines.length };
}
