import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveSessions } from '../live/live-sessions.js';
import { ControlPlaneRefusal } from '../link/control-plane-refusal.js';
import type { ActivityReportBody, EdgeControlPlane } from '../traffic/edge-control-plane.js';
import { ActivityReporter } from './activity-reporter.js';
import { ActivityRegistry } from './environment-activity.js';

/** A control plane that records reports and, like one without drain reports, refuses a body carrying `drains`. */
function controlPlane(refuseDrains: boolean): EdgeControlPlane & { reports: ActivityReportBody[] } {
  const reports: ActivityReportBody[] = [];
  return {
    reports,
    async reportActivity(body) {
      if (refuseDrains && body.drains !== undefined) throw new ControlPlaneRefusal(400, 'invalid_body', 'reporting activity: drains is not allowed', undefined);
      reports.push(structuredClone(body));
    },
    requestWake: () => Promise.reject(new Error('unused')),
    wakeProgress: () => Promise.reject(new Error('unused')),
    environmentSecrets: () => Promise.reject(new Error('unused')),
  };
}

function setUp(refuseDrains: boolean) {
  const cp = controlPlane(refuseDrains);
  const registry = new ActivityRegistry();
  const lines: string[] = [];
  const sessions = new LiveSessions({ log: (line) => lines.push(line), changed: () => {} });
  const reporter = new ActivityReporter({ controlPlane: cp, registry, sessions, knownEnvironments: () => new Set(['env_a']), log: (line) => lines.push(line) });
  return { cp, registry, sessions, reporter, lines };
}

test('a session still open is reported as open work until it closes, then once as idle', async () => {
  const { cp, registry, sessions, reporter } = setUp(false);
  const activity = registry.of('env_a');
  activity.requests += 1;
  const session = { allocationId: 'alloc_1', environmentId: 'env_a', drainDeadlineMs: 30_000, activity, close() {} };
  sessions.opened(session);
  await reporter.report();
  await reporter.report();
  sessions.closed(session);
  await reporter.report();
  await reporter.report();
  assert.deepEqual(cp.reports.map((r) => r.environments.map((e) => [e.environmentId, e.openSessions, e.inFlight])), [[['env_a', 1, 0]], [['env_a', 1, 0]], [['env_a', 0, 0]]]);
  assert.ok(cp.reports.every((r) => r.environments[0]!.lastRequestAt !== null));
});

test('drain reports ride along; a control plane that refuses them still gets the activity, and the drain stays in the log', async () => {
  for (const refuseDrains of [false, true]) {
    const { cp, sessions, reporter, lines } = setUp(refuseDrains);
    const closed: string[] = [];
    sessions.opened({ allocationId: 'alloc_1', environmentId: 'env_a', drainDeadlineMs: 10, activity: undefined, close: () => closed.push('s1') });
    sessions.routesChanged(() => false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(closed, ['s1'], 'closed at the deadline');
    await reporter.report();
    if (refuseDrains) {
      assert.deepEqual(cp.reports, []);
      assert.ok(lines.some((line) => line.includes('refused drain reports')));
    } else {
      assert.deepEqual(cp.reports, [{ environments: [], drains: [{ environmentId: 'env_a', allocationId: 'alloc_1', sessionsClosedAtDeadline: 1 }] }]);
    }
    assert.ok(lines.some((line) => line.includes('session still active at drain deadline: 1 session(s) to alloc_1')));
  }
});
