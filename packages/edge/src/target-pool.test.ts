import assert from 'node:assert/strict';
import { get, type Agent } from 'node:http';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { TargetPool } from './target-pool.js';
import { startBackend, type Backend } from './test-support/backends.js';

let backend: Backend;
before(async () => {
  backend = await startBackend('p1');
});
after(() => backend.close());

function fetchThrough(agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: backend.port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

const freeSockets = (agent: Agent) => Object.values(agent.freeSockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);

test('one agent per allocation, reused, keeping its connection alive between requests', async () => {
  const pool = new TargetPool();
  const agent = pool.agentFor(backend.target('alloc_1'));
  assert.equal(pool.agentFor(backend.target('alloc_1')), agent);
  assert.notEqual(pool.agentFor(backend.target('alloc_2')), agent);
  assert.equal(await fetchThrough(agent), 200);
  await eventually(() => freeSockets(agent) === 1, { message: 'the connection went back to the pool' });
  assert.equal(await fetchThrough(agent), 200);
  assert.equal(freeSockets(agent) + Object.keys(agent.sockets).length <= 1, true, 'the second request reused the first connection');
  pool.destroy();
});

test('an allocation that leaves every route has its idle connections closed and its agent dropped', async () => {
  const pool = new TargetPool();
  const leaving = pool.agentFor(backend.target('alloc_leaving'));
  const staying = pool.agentFor(backend.target('alloc_staying'));
  await Promise.all([fetchThrough(leaving), fetchThrough(staying)]);
  await eventually(() => freeSockets(leaving) === 1 && freeSockets(staying) === 1, { message: 'both connections idle' });
  pool.retainOnly((id) => id === 'alloc_staying');
  assert.equal(pool.size, 1);
  await eventually(() => freeSockets(leaving) === 0, { message: 'the leaving allocation\'s idle connection closed' });
  assert.equal(freeSockets(staying), 1);
  assert.notEqual(pool.agentFor(backend.target('alloc_leaving')), leaving, 'a returning allocation gets a fresh agent');
  pool.destroy();
});

test('one undici pool per allocation; an allocation that leaves every route gets a fresh pool if it returns', async () => {
  const pool = new TargetPool();
  const leaving = pool.poolFor(backend.target('alloc_u_leaving'));
  const staying = pool.poolFor(backend.target('alloc_u_staying'));
  assert.equal(pool.poolFor(backend.target('alloc_u_leaving')), leaving);
  const answer = await leaving.request({ path: '/', method: 'GET' });
  assert.equal(answer.statusCode, 200);
  await answer.body.dump();
  pool.retainOnly((id) => id === 'alloc_u_staying');
  assert.equal(pool.size, 1);
  await eventually(() => leaving.closed, { message: 'the leaving allocation\'s pool closed' });
  assert.equal(staying.closed, false);
  assert.notEqual(pool.poolFor(backend.target('alloc_u_leaving')), leaving, 'a returning allocation gets a fresh pool');
  pool.destroy();
});
