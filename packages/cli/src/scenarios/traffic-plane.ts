import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { ControlPlaneConfig } from '@berth/control-plane';
import { deployFolder, waitForDeployment } from '@berth/control-plane/testing';
import { eventually, tempDir } from '@berth/testkit';
import { countingApp, countingManifest } from './counting-app.js';
import { startEdgeProcess, type EdgeProcess } from './edge-harness.js';
import { startWithOneRunner } from './runner-harness.js';

/** What a client got from the edge, and how long it waited for it. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  json(): any;
}

/** One request through an edge for `host`, timed from the first byte sent to the last byte read. */
export function send(port: number, host: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const body = options.body;
    const headers = { host, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...(options.headers ?? {}) };
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
        const ms = performance.now() - started;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject).end(body);
  });
}

/** A control plane (in this process), one `berth runner` child and one `berth edge` child, shared by the tests of one file. */
export interface TrafficPlane {
  api: string;
  /** The admin token, for the `berth` CLI (BERTH_TOKEN). */
  adminToken: string;
  edge: EdgeProcess;
  call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Starts another `berth edge` child against the same control plane (stopped by dispose). */
  startEdge(name: string): Promise<EdgeProcess>;
  /** Creates the app and sets its production secrets. */
  createApp(app: string, secrets?: Record<string, string>): Promise<void>;
  setSecret(app: string, name: string, value: string): Promise<void>;
  /** Deploys the counting app with `extraToml` (see countingManifest) and waits for preview_ready. */
  deploy(app: string, extraToml: string, version?: string): Promise<{ id: string; digest: string; previewHost: string; gates: Record<string, any> }>;
  /** Promotes a deployment and waits until it is healthy everywhere. */
  promote(deploymentId: string): Promise<any>;
  /** The environment's id (production unless told). */
  environmentId(app: string, env?: string): Promise<string>;
  /** The app's output lines (trimmed), oldest first. */
  outputLines(app: string, env?: string): Promise<string[]>;
  /** The app's `request ...` output lines, oldest first: what reached it. */
  requestLines(app: string, env?: string): Promise<string[]>;
  /** Live allocations of an environment in a state. */
  allocations(app: string, env?: string, state?: string): Promise<Array<{ id: string; state: string; deploymentId: string; digest: string }>>;
  /** The app's wake operations (production), newest first. */
  wakes(app: string): Promise<any[]>;
  /** The "Stuck Wake" runbook answer for the app's production. */
  wakeStatus(app: string): Promise<any>;
  /** Waits until the app sleeps and its production allocations are gone. */
  waitAsleep(app: string): Promise<any>;
  dispose(): Promise<void>;
}

export async function startTrafficPlane(config: Partial<ControlPlaneConfig> = {}): Promise<TrafficPlane> {
  const env = await startWithOneRunner({ baseDomain: 'localhost', sleepEveryMs: 300, ...config });
  const edgeDirs: Array<{ path: string; remove(): Promise<void> }> = [];
  const edges: EdgeProcess[] = [];
  const apps: Array<{ remove(): Promise<void> }> = [];
  const call = async (method: string, url: string, body?: unknown) => env.t.call(method, url, body === undefined ? {} : { body });
  const startEdge = async (name: string) => {
    const dir = await tempDir('berth-edge-');
    edgeDirs.push(dir);
    const edge = await startEdgeProcess({ api: env.api, join: await env.t.cp.createJoinToken(name, 60_000), name, dataDir: dir.path, routeKey: env.t.cp.routeFeed.publicKeyText });
    edges.push(edge);
    return edge;
  };
  const plane: TrafficPlane = {
    api: env.api,
    adminToken: env.t.adminToken,
    edge: await startEdge('e1'),
    call,
    startEdge,
    async createApp(app, secrets = {}) {
      assert.equal((await call('POST', '/api/apps', { name: app })).status, 201);
      for (const [name, value] of Object.entries(secrets)) await plane.setSecret(app, name, value);
    },
    async setSecret(app, name, value) {
      const set = await call('PUT', `/api/apps/${app}/environments/production/secrets/${name}`, { value });
      assert.equal(set.status, 200, JSON.stringify(set.body));
    },
    async deploy(app, extraToml, version) {
      const dir = await countingApp(countingManifest(extraToml), version);
      apps.push(dir);
      const started = await deployFolder(env.t, app, dir.path);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const d = await waitForDeployment(env.t, started.body.id, ['preview_ready', 'failed', 'blocked'], 120_000);
      assert.equal(d.state, 'preview_ready', JSON.stringify(d));
      return d;
    },
    async promote(deploymentId) {
      const started = await call('POST', `/api/deployments/${deploymentId}/promote`, {});
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const p = await eventually(async () => {
        const body = (await call('GET', `/api/promotions/${started.body.id}`)).body;
        return ['healthy', 'rolled_back', 'failed'].includes(body.state) ? body : undefined;
      }, { timeoutMs: 90_000, intervalMs: 100, message: 'the promotion ended' });
      assert.equal(p.state, 'healthy', JSON.stringify(p));
      return p;
    },
    async environmentId(app, name = 'production') {
      return (await call('GET', `/api/apps/${app}/environments/${name}`)).body.id;
    },
    async outputLines(app, name = 'production') {
      const logs = await call('GET', `/api/apps/${app}/logs?env=${name}&limit=5000`);
      assert.equal(logs.status, 200, JSON.stringify(logs.body));
      return logs.body.items.map((l: { text: string }) => l.text.trim());
    },
    async requestLines(app, name = 'production') {
      return (await plane.outputLines(app, name)).filter((text) => text.startsWith('request '));
    },
    async allocations(app, name = 'production', state = 'ready') {
      return (await call('GET', `/api/apps/${app}/allocations?env=${name}`)).body.items.filter((a: { state: string }) => a.state === state);
    },
    async wakes(app) {
      return (await call('GET', `/api/operations?kind=wake&subject=${await plane.environmentId(app)}&limit=200`)).body.items;
    },
    async wakeStatus(app) {
      return (await call('GET', `/api/apps/${app}/wake`)).body;
    },
    async waitAsleep(app) {
      return eventually(async () => {
        const status = await plane.wakeStatus(app);
        return status.sleep.state === 'sleeping' && (await call('GET', `/api/apps/${app}/allocations?env=production`)).body.items.length === 0 ? status : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200, message: `${app} sleeps and its allocations are gone` });
    },
    async dispose() {
      for (const edge of edges) await edge.kill('SIGKILL');
      await env.dispose();
      for (const dir of [...edgeDirs, ...apps]) await dir.remove();
    },
  };
  return plane;
}
