// Webhook verification: 16 KiB Stripe deliveries through a real `berth edge`, half of them with a
// bad signature (rotating forgeries), to an app declaring `[[webhooks]] provider = "stripe"`.
// The edge's time to reject a bad one is measured against the same request to a bare Node server
// that reads the body and answers 401 (servers/body-sink.mjs, on the edge's core), alternately
// from one client: added = edge p99 - direct p99 of the same round. Hot: the good half is
// forwarded to the app. Cold (the app asleep): only bad deliveries, which must wake nothing.
import { get } from 'node:http';
import { join } from 'node:path';
import { freePort, runToEnd, startProcess, waitForPort } from '../lib/children.mjs';
import { deployApp, environmentCounts, measureAroundEdges, putToSleep, startBerthEdge, startControlPlane, startRunner, waitHot } from '../lib/berth-stack.mjs';
import { writeBenchApp } from '../lib/bench-app.mjs';
import { LOAD_CPU, PROXY_CPU } from '../lib/layout.mjs';
import { firstByte } from '../lib/wake-clients.mjs';

const EDGE = 'edge-webhooks';
const APP = 'webhooks-bench';
const PATH = '/webhooks/stripe';
const SECRET = 'whsec_berth_bench_0123456789abcdef';
const bench = join(import.meta.dirname, '..');

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'hot', label: 'app hot (good ones forwarded)', start: async (_ctx, f) => ({ port: f.edge.port, entry: f.edge.entry }) },
  { id: 'cold', label: 'app asleep (bad ones only)', start: async (_ctx, f) => ({ port: f.edge.port, entry: f.edge.entry }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const webhooks = {
  name: 'webhooks',
  description: 'Webhook verification: 16 KiB Stripe deliveries, half with bad signatures, through the edge: time to reject a bad one beyond a bare Node server reading the same request, no wake and no app request from them',
  async setup(ctx) {
    const cp = await startControlPlane({ wakesPerMinute: 1_000_000, crashLimit: 1_000 });
    await startRunner(cp, ctx.dir);
    const edge = await startBerthEdge(cp, { name: EDGE, dir: ctx.dir, profileDir: ctx.profileDir });
    await cp.api('POST', '/api/apps', { name: APP }, [201]);
    await cp.api('PUT', `/api/apps/${APP}/environments/production/secrets/STRIPE_WEBHOOK_SECRET`, { value: SECRET });
    const deployment = await deployApp(cp, APP, writeBenchApp(join(ctx.dir, 'app'), { webhookSecretName: 'STRIPE_WEBHOOK_SECRET' }));
    await waitHot(cp, deployment.environmentId, [EDGE]);
    const sinkPort = await freePort();
    const sink = startProcess('body-sink', process.execPath, [join(bench, 'servers', 'body-sink.mjs'), String(sinkPort)], { cpu: PROXY_CPU, ipc: true });
    await waitForPort(sinkPort, sink);
    ctx.progress(`  deployed ${deployment.id} as ${deployment.host}; direct reference on ${sinkPort}`);
    return { cp, edge, deployment, sinkPort };
  },
  peers,
  async measure(peer, _server, ctx, fixture) {
    const { cp, edge, deployment } = fixture;
    const env = deployment.environmentId;
    if (peer.id === 'cold') await putToSleep(cp, env, [EDGE]);
    else await wakeUp(fixture);
    const before = { ...(await environmentCounts(cp, env)), posts: peer.id === 'hot' ? await appPosts(fixture) : 0 };
    const order = {
      directPort: fixture.sinkPort, edgePort: edge.port, host: deployment.host, path: PATH, secret: SECRET,
      warmup: Math.ceil(ctx.latencySamples / 10), samples: ctx.latencySamples, good: peer.id === 'hot',
    };
    const { result, disturbance, otherCores } = await measureAroundEdges([edge], ctx.pinned, () => runClient(order));
    const after = await environmentCounts(cp, env);
    // Hot, the app's own count of webhook POSTs (the same process throughout: no allocation
    // started); asleep, it has no process, and no allocation started.
    const posts = peer.id === 'hot' && after.allocations === before.allocations ? (await appPosts(fixture)) - before.posts : 0;
    return {
      badP50Us: result.badUs.p50, badP99Us: result.badUs.p99, directP50Us: result.directUs.p50, directP99Us: result.directUs.p99,
      addedP50Us: result.badUs.p50 - result.directUs.p50, addedP99Us: result.badUs.p99 - result.directUs.p99,
      goodP50Us: result.goodUs?.p50, badSent: result.badSent, badNot401: result.badNot401, goodNot2xx: result.goodNot2xx,
      wakes: after.wakes - before.wakes, allocationStarts: after.allocations - before.allocations,
      appSawBad: Math.max(0, posts - (result.goodSent - result.goodNot2xx)), disturbance, otherCores,
    };
  },
  cumulative: ['badNot401', 'goodNot2xx', 'wakes', 'allocationStarts', 'appSawBad'],
  columns: [
    { metric: 'badP50Us', label: 'bad p50 (µs)', digits: 0 },
    { metric: 'badP99Us', label: 'bad p99 (µs)', digits: 0 },
    { metric: 'directP50Us', label: 'direct p50 (µs)', digits: 0 },
    { metric: 'directP99Us', label: 'direct p99 (µs)', digits: 0 },
    { metric: 'addedP50Us', label: 'added p50 (µs)', digits: 0 },
    { metric: 'addedP99Us', label: 'added p99 (µs)', digits: 0 },
    { metric: 'goodP50Us', label: 'good p50 (µs)', digits: 0 },
    { metric: 'badSent', label: 'bad sent', stat: 'sum' },
    { metric: 'badNot401', label: 'bad not 401', stat: 'sum' },
    { metric: 'wakes', label: 'wakes', stat: 'sum' },
    { metric: 'allocationStarts', label: 'alloc starts', stat: 'sum' },
    { metric: 'appSawBad', label: 'app saw bad', stat: 'sum' },
  ],
  targets: [
    { label: 'hot: edge added p99 rejecting a bad one (µs)', value: (s) => s.hot?.addedP99Us?.median, op: '<', threshold: 1_000 },
    { label: 'cold: edge added p99 rejecting a bad one (µs)', value: (s) => s.cold?.addedP99Us?.median, op: '<', threshold: 1_000 },
    { label: 'bad deliveries not answered 401', value: (s) => (s.hot?.badNot401?.sum ?? 0) + (s.cold?.badNot401?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'wakes (app asleep, bad deliveries only)', value: (s) => s.cold?.wakes?.sum, op: '==', threshold: 0 },
    { label: 'wakes or allocation starts, both rows', value: (s) => ['hot', 'cold'].reduce((sum, id) => sum + (s[id]?.wakes?.sum ?? 0) + (s[id]?.allocationStarts?.sum ?? 0), 0), op: '==', threshold: 0 },
    { label: 'bad deliveries the app saw', value: (s) => (s.hot?.appSawBad?.sum ?? 0) + (s.cold?.appSawBad?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'good deliveries not 2xx (app hot)', value: (s) => s.hot?.goodNot2xx?.sum, op: '==', threshold: 0 },
  ],
};

/** Wakes the app with a GET through the edge (it may be asleep after the cold row) and waits until it is hot. */
async function wakeUp(fixture) {
  const { cp, edge, deployment } = fixture;
  const [env] = await cp.query('SELECT sleep_state FROM environments WHERE id = $1', [deployment.environmentId]);
  if (env.sleep_state === 'sleeping') await firstByte(edge.port, deployment.host, '/');
  await waitHot(cp, deployment.environmentId, [EDGE]);
}

/** POSTs to the webhook path the (hot) app has served, by its own count (GET /__bench/counts through the edge). */
function appPosts({ edge, deployment }) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: edge.port, path: '/__bench/counts', headers: { host: deployment.host }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`the app's counts answered ${res.statusCode}: ${text}`));
        resolve(JSON.parse(text)[`POST ${PATH}`] ?? 0);
      });
    }).on('error', reject);
  });
}

async function runClient(order) {
  const { code, stdout, stderr } = await runToEnd('webhook-client', process.execPath, [join(bench, 'clients', 'webhook-client.mjs'), JSON.stringify(order)], { cpu: LOAD_CPU });
  if (code !== 0) throw new Error(`the webhook client failed (${code}): ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}
