import { readFileSync } from 'node:fs';
import type { Clock } from '@berth/core';
import { systemClock } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { startControlPlane, type ControlPlane, type ControlPlaneConfig } from '../control-plane.js';
import type { Executor } from '../engine/executor.js';
import { openTestDb, type Backend } from './test-db.js';

export interface TestControlPlane {
  cp: ControlPlane;
  /** The admin token written at first start. */
  adminToken: string;
  dataDir: string;
  /** Every line the control plane logged. */
  logs: string[];
  /** `fetch`-like JSON calls through `inject()`, with the admin token unless another is given. */
  call(method: string, url: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string>; rawBody?: string }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A control plane on a fresh, migrated store (PGlite from the template, or a new PostgreSQL database). */
export async function startTestControlPlane(options: { backend?: Backend; clock?: Clock; executors?: Executor[]; bodyLimit?: number; uploadLimit?: number; config?: Partial<ControlPlaneConfig> } = {}): Promise<TestControlPlane> {
  const dir = await tempDir('berth-cp-');
  const testDb = await openTestDb(options.backend ?? 'pglite');
  const logs: string[] = [];
  const cp = await startControlPlane({
    dataDir: dir.path, db: testDb.db, clock: options.clock ?? systemClock, executors: options.executors ?? [], log: (line) => logs.push(line),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.uploadLimit ? { uploadLimit: options.uploadLimit } : {}),
    ...(options.config ?? {}),
  });
  const adminToken = readFileSync(cp.tokenFile, 'utf8').trim();
  return {
    cp,
    adminToken,
    dataDir: dir.path,
    logs,
    async call(method, url, opts = {}) {
      const token = opts.token === undefined ? adminToken : opts.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) };
      const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const res = await cp.api.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
      let body: unknown = res.body;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        // Not JSON: keep the text.
      }
      return { status: res.statusCode, body, headers: res.headers };
    },
    async close() {
      await cp.close();
      await testDb.dispose();
      await dir.remove();
    },
  };
}
