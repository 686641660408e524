import { newId } from '@berth/core';
import type { CliHarness } from '../../test-support/cli-harness.js';

/**
 * Allocations for the CLI's tests without a runner: the rows a scheduler and a runner would leave,
 * written with SQL into the harness's control plane. The allocation's lifecycle is a real
 * operation (created through the engine), so its state, failure mode and timeline are the API's.
 */
export interface RuntimeSeed {
  orgId: string;
  appId: string;
  environmentId: string;
  deploymentId: string;
  hostId: string;
}

export const seedHostId = 'host_01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** An app with a deployment (a git deploy that fails to clone: only its id is needed) and a host. */
export async function seedApp(h: CliHarness, name: string): Promise<RuntimeSeed> {
  const orgId = (await h.t.call('GET', '/api/whoami')).body.organization.id as string;
  const app = await h.t.call('POST', '/api/apps', { body: { name } });
  const deployment = await h.t.call('POST', `/api/apps/${name}/deployments`, { body: { git: { url: 'file:///nowhere', ref: 'main' } } });
  if (app.status !== 201 || deployment.status >= 300) throw new Error(`seeding ${name}: ${JSON.stringify([app.body, deployment.body])}`);
  const [env] = await h.t.cp.db.query<{ id: string }>("SELECT id FROM environments WHERE app_id = $1 AND name = 'production'", [app.body.id]);
  // Offline, so that the scheduler never counts it; allocations that have not started are left alone on it.
  await h.t.cp.db.query(
    `INSERT INTO hosts (id, name, region, cpus, memory_bytes, runner_version, status, created_at, updated_at)
     VALUES ($1, 'h1', 'default', 2, 1073741824, 'test', 'offline', now(), now()) ON CONFLICT (id) DO NOTHING`,
    [seedHostId],
  );
  return { orgId, appId: app.body.id, environmentId: env!.id, deploymentId: deployment.body.id, hostId: seedHostId };
}

/** A planned allocation of the seed's deployment, with an address and stats when given. */
export async function insertAllocation(
  h: CliHarness,
  seed: RuntimeSeed,
  options: { address?: { host: string; port: number }; stats?: { cpuPercent: number; memoryBytes: number } } = {},
): Promise<{ id: string; operationId: string; version: number }> {
  const id = newId('allocation');
  const { operation } = await h.t.cp.engine.create({
    orgId: seed.orgId, kind: 'allocation', subject: { type: 'allocation', id }, actor: 'test',
    onCreate: async (tx, op) => {
      await tx.query(
        `INSERT INTO allocations (id, operation_id, org_id, app_id, environment_id, deployment_id, host_id, digest, memory_bytes,
           address_host, address_port, cpu_percent, rss_bytes, stats_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 268435456, $9, $10, $11, $12, CASE WHEN $11::real IS NULL THEN NULL ELSE now() END, now(), now())`,
        [id, op.id, seed.orgId, seed.appId, seed.environmentId, seed.deploymentId, seed.hostId, `sha256:${'a'.repeat(64)}`,
          options.address?.host ?? null, options.address?.port ?? null, options.stats?.cpuPercent ?? null, options.stats?.memoryBytes ?? null],
      );
    },
  });
  return { id, operationId: operation.id, version: operation.version };
}

/** One line of runtime output, as a runner's report appends it. */
export async function insertLogLine(h: CliHarness, allocationId: string, line: { seq: number; at: Date; stream: 'stdout' | 'stderr'; text: string }): Promise<void> {
  await h.t.cp.db.query('INSERT INTO allocation_logs (allocation_id, seq, at, stream, text) VALUES ($1, $2, $3, $4, $5)', [allocationId, line.seq, line.at, line.stream, line.text]);
}
