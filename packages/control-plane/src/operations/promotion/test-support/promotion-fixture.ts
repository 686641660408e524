import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { newId, type AllocationAssignment, type Clock } from '@berth/core';
import { eventually } from '@berth/testkit';
import type { ControlPlaneConfig } from '../../../control-plane.js';
import type { Db } from '../../../store/db.js';
import { copyExample, deployFolder, startTestControlPlane, waitForDeployment, type Backend, type TestControlPlane } from '../../../testing/index.js';
import { WireRunner } from './wire-runner.js';

/** A control plane listening on loopback with a wire runner joined: promotions get ready allocations. */
export interface PromotionPlane {
  t: TestControlPlane;
  runner: WireRunner;
  dispose(): Promise<void>;
}

export async function startPromotionPlane(backend: Backend, config: Partial<ControlPlaneConfig> = {}, options: { clock?: Clock; hold?: (a: AllocationAssignment) => boolean } = {}): Promise<PromotionPlane> {
  const t = await startTestControlPlane({ backend, config: { scheduleEveryMs: 100, ...config }, ...(options.clock ? { clock: options.clock } : {}) });
  const api = await t.cp.listen('127.0.0.1', 0);
  const runner = await WireRunner.join(t, api, options.hold ? { hold: options.hold } : {});
  return {
    t,
    runner,
    async dispose() {
      await runner.close();
      await t.close();
    },
  };
}

/** Deploys hello-node with `files` written over it (a distinct digest per `version`) and waits for its preview. */
export async function deployVersion(t: TestControlPlane, app: string, version: string, files: Record<string, string> = {}) {
  const copy = await copyExample('hello-node');
  try {
    await writeFile(join(copy.path, 'VERSION'), `${version}\n`);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(copy.path, name)), { recursive: true });
      await writeFile(join(copy.path, name), text);
    }
    const res = await deployFolder(t, app, copy.path);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const d = await waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked']);
    return d as { id: string; shortId: string; digest: string; state: string; previewHost: string; operationId: string; reason: string | null; failureMode: string | null };
  } finally {
    await copy.remove();
  }
}

export const terminal = ['healthy', 'rolled_back', 'failed'];

/** Polls GET /api/promotions/:id until `done` says so. */
export async function waitForPromotion(t: TestControlPlane, id: string, done: (p: any) => boolean = (p) => terminal.includes(p.state), timeoutMs = 90_000) {
  return eventually(async () => {
    const res = await t.call('GET', `/api/promotions/${id}`);
    return res.status === 200 && done(res.body) ? res.body : undefined;
  }, { timeoutMs, message: `promotion ${id} settled` });
}

export async function promote(t: TestControlPlane, deploymentId: string) {
  const res = await t.call('POST', `/api/deployments/${deploymentId}/promote`, { body: {} });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body;
}

/** Route-owner changes of a hostname, oldest first. */
export async function ownerEvents(db: Db, hostname: string) {
  return db.query<{ seq: string; deployment_id: string; epoch: number; operation_id: string | null }>(
    "SELECT seq, deployment_id, epoch, operation_id FROM route_events WHERE hostname = $1 AND type = 'route.owner' ORDER BY seq",
    [hostname],
  );
}

/** Production allocations of a deployment that are not finished, with their states. */
export async function productionAllocations(db: Db, app: string, deploymentId: string) {
  return db.query<{ id: string; state: string }>(
    `SELECT a.id, o.state FROM allocations a JOIN operations o ON o.id = a.operation_id JOIN environments e ON e.id = a.environment_id JOIN apps p ON p.id = e.app_id
     WHERE p.name = $1 AND e.kind = 'production' AND a.deployment_id = $2 AND o.role <> 'terminal' ORDER BY a.id`,
    [app, deploymentId],
  );
}

/**
 * An edge as the promotion sees one: a row in `edges` that keeps reporting (last_seen_at moves on)
 * and, while acknowledging, reports the latest route event sequence as applied. Real edges report
 * through the edge API; this stands in for one that does or does not keep up.
 */
export class SimulatedEdge {
  acknowledging: boolean;
  readonly #timer: NodeJS.Timeout;
  private constructor(private readonly db: Db, readonly id: string, readonly name: string, acknowledging: boolean) {
    this.acknowledging = acknowledging;
    this.#timer = setInterval(() => {
      if (this.#stopped || this.#reporting) return;
      this.#reporting = this.report().catch(() => {}).finally(() => (this.#reporting = undefined));
    }, 50);
  }

  #stopped = false;
  #reporting: Promise<void> | undefined;

  static async register(db: Db, name: string, options: { acknowledging: boolean }): Promise<SimulatedEdge> {
    const id = newId('edge', Date.now());
    const now = new Date();
    await db.query(
      `INSERT INTO edges (id, name, region, transport, applied_seq, status, version, last_seen_at, created_at, updated_at)
       VALUES ($1, $2, 'default', 'embedded', (SELECT coalesce(max(seq), 0) FROM route_events), 'live', 'simulated', $3, $3, $3)`,
      [id, name, now],
    );
    return new SimulatedEdge(db, id, name, options.acknowledging);
  }

  async report(): Promise<void> {
    const gap = this.#gap;
    if (gap) {
      const [next] = await this.db.query("SELECT seq FROM route_events WHERE type = 'route.owner' AND seq > $1 LIMIT 1", [gap.afterSeq]);
      if (next && this.#gap === gap) {
        this.#gap = undefined;
        await this.recordGap(gap.detail);
      }
    }
    await this.db.query(
      `UPDATE edges SET last_seen_at = $2, updated_at = $2, status = 'live',
         applied_seq = CASE WHEN $3::boolean THEN (SELECT coalesce(max(seq), 0) FROM route_events) ELSE applied_seq END WHERE id = $1`,
      [this.id, new Date(), this.acknowledging],
    );
  }

  #gap: { afterSeq: number; detail: string } | undefined;

  /** The next route-owner change after the current end of the log reaches this edge over a gap: it records an incident. */
  async gapOnNextOwnerChange(detail: string): Promise<void> {
    const [row] = await this.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM route_events');
    this.#gap = { afterSeq: Number(row?.seq ?? 0), detail };
  }

  /** A gap the edge found in the feed, as an edge records it. */
  async recordGap(detail: string): Promise<void> {
    await this.db.query("INSERT INTO propagation_incidents (id, edge_id, at, kind, detail) VALUES ($1, $2, $3, 'gap', $4)", [`inc_${this.id}_${Date.now()}`, this.id, new Date(), detail]);
  }

  /** The edge goes away: it stops reporting and is marked offline, as the edge health check would after its timeout. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    // A report already on its way would mark the edge live again after this: let it land first.
    await this.#reporting;
    await this.db.query("UPDATE edges SET status = 'offline' WHERE id = $1", [this.id]);
  }
}
