import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { ask, echoWebSockets, openSocket, sessionCookieOf } from '../test-support/live-backends.js';
import { sleepyEnvironment, sleepyHost, startSleepingApp, type SleepingApp, type SleepingAppOptions } from '../test-support/sleeping-app.js';

// Live sessions through a real edge to real WebSocket servers (one per allocation), which record
// the handshake headers the edge sent them.
let app: SleepingApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function live(manifest: string, options: SleepingAppOptions = {}): Promise<SleepingApp> {
  app = await startSleepingApp({ manifest: `[run]\ncommand = "x"\n${manifest}`, allocations: 2, hot: true, ...options });
  for (const backend of app.allocations) echoWebSockets(backend);
  return app;
}

const lastUpgrade = (a: SleepingApp) => a.allocations.flatMap((b) => b.seen.filter((s) => s.method === 'UPGRADE').map((s) => ({ backend: b.name, headers: s.headers }))).at(-1)!;
const upgrades = (a: SleepingApp) => a.allocations.flatMap((b) => b.seen.filter((s) => s.method === 'UPGRADE').map((s) => ({ backend: b.name, headers: s.headers })));

test('WebSocket Reconnect: an upgrade gets a session cookie, and a reconnect carrying it goes back to the allocation that accepted it', async () => {
  const a = await live('[live]\npath = "/live"\n');
  const first = await openSocket(a.edge.port, sleepyHost, { headers: { 'berth-session-resume': 'hydrate' } });
  const pinnedTo = (await ask(first.socket, 'hello')).split(':')[0]!;
  const cookie = sessionCookieOf(first.headers);
  assert.match(cookie, new RegExp(`^berth_session=alloc_${pinnedTo}\\.[A-Za-z0-9_-]{22}\\.$`));
  assert.match(String(first.headers['set-cookie']), /; Path=\/; HttpOnly/);
  const accepted = lastUpgrade(a);
  assert.equal(accepted.headers['berth-session-resume'], 'fresh', 'a new session starts fresh; the client\'s own claim is not believed');
  assert.equal(accepted.headers['berth-session-id'], cookie.split('.')[1]);
  first.socket.close();

  for (let i = 0; i < 6; i++) {
    const again = await openSocket(a.edge.port, sleepyHost, { cookie: `theme=dark; ${cookie}` });
    assert.equal(await ask(again.socket, `again ${i}`), `${pinnedTo}:again ${i}`);
    const upgrade = lastUpgrade(a);
    assert.equal(upgrade.headers['berth-session-id'], cookie.split('.')[1], 'the same session');
    assert.equal(upgrade.headers['berth-session-resume'], undefined, 'back on its own allocation: nothing to resume');
    again.socket.close();
  }
});

test('a session that lost its allocation is hydrated on another only when [live] is resumable, its store is bound and the state schema matches; else it starts fresh', async () => {
  const a = await live('[live]\npath = "/live"\nresumable = true\nstate_schema = "v3"\nstore = "SESSION_STORE"\n', { edge: { traffic: { secretsTtlMs: 0 } } });
  const [a1] = a.allocations as [typeof a.allocations[0], typeof a.allocations[0]];
  a.cp.traffic.secrets.set(sleepyEnvironment, { secrets: {}, liveStoreBound: true });
  const first = await openSocket(a.edge.port, sleepyHost, { cookie: 'berth_alloc=alloc_a1' });
  assert.equal(await ask(first.socket, 'x'), 'a1:x');
  const cookie = sessionCookieOf(first.headers);
  const sessionId = cookie.split('.')[1]!;
  first.socket.close();
  a.drain(a1);
  await eventually(() => a.edge.table.lookup(sleepyHost)?.targets.length === 1, { message: 'a1 left the route' });

  const hydrated = await openSocket(a.edge.port, sleepyHost, { cookie });
  assert.equal(await ask(hydrated.socket, 'y'), 'a2:y');
  assert.deepEqual([lastUpgrade(a).headers['berth-session-resume'], lastUpgrade(a).headers['berth-session-id']], ['hydrate', sessionId]);
  assert.match(sessionCookieOf(hydrated.headers), new RegExp(`^berth_session=alloc_a2\\.${sessionId}\\.`), 'the session now lives on a2');
  hydrated.socket.close();

  const otherSchema = cookie.replace(/\.[^.]*$/, `.${Buffer.from('v2').toString('base64url')}`);
  await openSocket(a.edge.port, sleepyHost, { cookie: otherSchema }).then(({ socket }) => socket.close());
  assert.equal(lastUpgrade(a).headers['berth-session-resume'], 'fresh', 'another state schema: fresh');
  assert.notEqual(lastUpgrade(a).headers['berth-session-id'], sessionId);

  a.cp.traffic.secrets.set(sleepyEnvironment, { secrets: {}, liveStoreBound: false });
  await openSocket(a.edge.port, sleepyHost, { cookie }).then(({ socket }) => socket.close());
  assert.equal(lastUpgrade(a).headers['berth-session-resume'], 'fresh', 'no durable store bound: fresh');
});

test('a session of an app that is not resumable starts fresh on another allocation', async () => {
  const a = await live('[live]\npath = "/live"\nstate_schema = "v3"\nstore = "SESSION_STORE"\n');
  a.cp.traffic.secrets.set(sleepyEnvironment, { secrets: {}, liveStoreBound: true });
  const first = await openSocket(a.edge.port, sleepyHost, { cookie: 'berth_alloc=alloc_a1' });
  first.socket.close();
  a.drain(a.allocations[0]!);
  await eventually(() => a.edge.table.lookup(sleepyHost)?.targets.length === 1);
  const moved = await openSocket(a.edge.port, sleepyHost, { cookie: sessionCookieOf(first.headers) });
  assert.equal(await ask(moved.socket, 'z'), 'a2:z');
  assert.equal(lastUpgrade(a).headers['berth-session-resume'], 'fresh');
  moved.socket.close();
});

test('drain: sessions to an allocation that stops being a target stay open until its drain deadline, then are closed, logged and reported with the count', async () => {
  const drainMs = 3_000;
  const a = await live('[live]\npath = "/live"\n', { drainTimeoutMs: drainMs });
  const sockets = await Promise.all([0, 1, 2].map(() => openSocket(a.edge.port, sleepyHost, { cookie: 'berth_alloc=alloc_a1' })));
  for (const { socket } of sockets) assert.equal(await ask(socket, 'up'), 'a1:up');
  const leaver = await openSocket(a.edge.port, sleepyHost, { cookie: 'berth_alloc=alloc_a1' });
  const closedAt: number[] = [];
  for (const { socket } of sockets) socket.on('close', () => closedAt.push(Date.now()));
  await eventually(() => a.cp.traffic.activityReports.some((r) => r.environments.some((e) => e.openSessions === 4)), { message: 'open sessions are reported' });

  const drainedAt = Date.now();
  a.drain(a.allocations[0]!);
  await eventually(() => a.edge.table.lookup(sleepyHost)?.targets.length === 1, { message: 'a1 left the route' });
  const fresh = await openSocket(a.edge.port, sleepyHost, { cookie: 'berth_alloc=alloc_a1' });
  assert.equal(await ask(fresh.socket, 'new'), 'a2:new', 'no new session goes to the draining allocation');
  leaver.socket.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const { socket } of sockets) assert.equal(await ask(socket, 'still'), 'a1:still', 'open sessions are kept while the drain waits');

  await Promise.all(sockets.map(({ socket }) => (socket.readyState === socket.CLOSED ? undefined : once(socket, 'close'))));
  for (const at of closedAt) assert.ok(at - drainedAt >= drainMs - 50, `a session was closed ${at - drainedAt} ms into a ${drainMs} ms drain`);
  await eventually(() => a.edge.lines.some((line) => line.includes('session still active at drain deadline: 3 session(s) to alloc_a1')), { message: 'the deadline is logged' });
  await eventually(() => a.cp.traffic.activityReports.some((r) => r.drains?.some((d) => d.allocationId === 'alloc_a1' && d.sessionsClosedAtDeadline === 3 && d.environmentId === sleepyEnvironment)), { message: 'and reported with the count' });
  assert.equal(await ask(fresh.socket, 'after'), 'a2:after');
  fresh.socket.close();
  await eventually(() => a.cp.traffic.activityReports.at(-1)?.environments.some((e) => e.openSessions === 0), { message: 'the closed sessions are reported promptly' });
});

test('a live upgrade while the app sleeps asks for the wake, is held, and is placed once a target is ready', async () => {
  const a = await live('[live]\npath = "/live"\n', { hot: false, allocations: 1 });
  const opening = openSocket(a.edge.port, sleepyHost);
  await eventually(() => a.cp.traffic.wakeRequests.length === 1, { message: 'the wake is requested' });
  assert.deepEqual(a.cp.traffic.wakeRequests[0], { environmentId: sleepyEnvironment, requestClass: 'live', trigger: { method: 'GET', path: '/live' } });
  assert.equal(upgrades(a).length, 0);
  a.wake();
  const { socket } = await opening;
  assert.equal(await ask(socket, 'woke'), 'a1:woke');
  socket.close();
});
