import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BerthError, isRunnerMessage, runnerProtocolVersion, type Clock, type ControlMessage, type RunnerMessage } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';
import { appendAllocationLogs, allocationsWhere, findAllocation, recordAllocationStats, setAllocationAddress } from '../allocations/allocations-store.js';
import type { SecretResolver } from '../operations/deploy/deploy-deps.js';
import { buildAssignment } from './assignment.js';
import { markHostAlive } from './hosts.js';
import { verifyRunnerToken } from './runner-token.js';

export interface RunnerHubDeps {
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  secrets: SecretResolver;
  tokenKey: Buffer;
  heartbeatMs: number;
  log: (line: string) => void;
  /** Called when something the scheduler cares about changed (a report, a connection). */
  onChange: () => void;
}

/**
 * The control plane's side of the runner protocol: one WebSocket per connected runner, at
 * /api/runners/connect, authenticated by a runner token. It applies allocation reports (fenced by
 * the version each acts on), records heartbeats, stats and output, and sends assignments.
 */
export class RunnerHub {
  readonly #sockets = new Map<string, WebSocket>();
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });

  constructor(private readonly deps: RunnerHubDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!request.url?.startsWith('/api/runners/connect')) return;
      let hostId: string;
      try {
        const header = request.headers.authorization ?? '';
        hostId = verifyRunnerToken(this.deps.tokenKey, header.replace(/^Bearer\s+/i, ''), this.deps.clock.now()).hostId;
      } catch (error) {
        const message = error instanceof BerthError ? error.message : 'unauthenticated';
        socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: { code: 'unauthenticated', message } })}`);
        return;
      }
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(hostId, ws));
    });
  }

  connected(hostId: string): boolean {
    return this.#sockets.has(hostId);
  }

  send(hostId: string, message: ControlMessage): boolean {
    const ws = this.#sockets.get(hostId);
    if (!ws || ws.readyState !== ws.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets.values()) ws.close(1001, 'control plane stopping');
    this.#sockets.clear();
    this.#wss.close();
  }

  #accept(hostId: string, ws: WebSocket): void {
    this.#sockets.get(hostId)?.close(4000, 'replaced by a newer connection');
    this.#sockets.set(hostId, ws);
    this.send(hostId, { type: 'welcome', hostId, heartbeatMs: this.deps.heartbeatMs });
    let queue = Promise.resolve();
    ws.on('message', (data) => {
      // One message at a time per runner, in order: reports about one allocation must not race.
      queue = queue.then(() => this.#handle(hostId, data.toString())).catch((error) => this.deps.log(`runner ${hostId}: ${(error as Error).message}`));
    });
    ws.on('close', () => {
      if (this.#sockets.get(hostId) === ws) this.#sockets.delete(hostId);
    });
    ws.on('error', () => {});
  }

  async #handle(hostId: string, raw: string): Promise<void> {
    let message: RunnerMessage;
    try {
      message = JSON.parse(raw) as RunnerMessage;
    } catch {
      return;
    }
    if (!isRunnerMessage(message)) return;
    const now = new Date(this.deps.clock.now());
    switch (message.type) {
      case 'hello':
        if (message.protocol !== runnerProtocolVersion) {
          this.#sockets.get(hostId)?.close(4002, `protocol ${message.protocol} is not supported; this control plane speaks ${runnerProtocolVersion}`);
          return;
        }
        await markHostAlive(this.deps.db, hostId, now, { cpus: message.capacity.cpus, memoryBytes: message.capacity.memoryBytes, runnerVersion: message.runnerVersion });
        await this.#reconcile(hostId, message.allocations.map((a) => a.allocationId));
        this.deps.onChange();
        return;
      case 'heartbeat': {
        await markHostAlive(this.deps.db, hostId, now);
        for (const stats of message.allocations) {
          const allocation = await findAllocation(this.deps.db, stats.allocationId);
          // A host that was offline and came back runs allocations the control plane has since
          // failed: they are forgotten (stopped), never brought back to life.
          if (!allocation || allocation.hostId !== hostId || allocation.role === 'terminal') {
            this.send(hostId, { type: 'allocation.forget', allocationId: stats.allocationId, reason: 'the control plane gave this allocation up while the host was silent' });
            continue;
          }
          await recordAllocationStats(this.deps.db, stats.allocationId, hostId, stats, now);
        }
        return;
      }
      case 'allocation.logs': {
        const allocation = await findAllocation(this.deps.db, message.allocationId);
        if (allocation?.hostId === hostId) await appendAllocationLogs(this.deps.db, allocation.id, message.lines);
        return;
      }
      case 'allocation.report':
        await this.#report(hostId, message);
        return;
    }
  }

  async #report(hostId: string, message: Extract<RunnerMessage, { type: 'allocation.report' }>): Promise<void> {
    const allocation = await findAllocation(this.deps.db, message.allocationId);
    if (!allocation || allocation.hostId !== hostId) {
      this.send(hostId, { type: 'report.refused', allocationId: message.allocationId, version: message.version, reason: 'no such allocation on this host' });
      return;
    }
    try {
      // The address is written before the transition, so the `target.up` route event appended with a
      // `ready` transition (in its transaction) carries it. A refused report changes only the address
      // this host already runs the allocation at.
      if (message.address) await setAllocationAddress(this.deps.db, allocation.id, message.address, new Date(this.deps.clock.now()));
      const op = await this.deps.engine.applyRemote(allocation.operationId, message.version, {
        ...(message.to ? { to: message.to } : {}), ...(message.failureMode ? { failureMode: message.failureMode } : {}),
        sentence: message.sentence, ...(message.evidence ? { evidence: message.evidence } : {}), ...(message.gates ? { gates: message.gates } : {}),
      }, `host:${hostId}`);
      this.send(hostId, { type: 'report.accepted', allocationId: allocation.id, version: message.version, newVersion: op.version });
      this.deps.onChange();
    } catch (error) {
      const reason = error instanceof BerthError ? error.message : String(error);
      this.send(hostId, { type: 'report.refused', allocationId: allocation.id, version: message.version, reason });
    }
  }

  /**
   * A runner (re)connected, saying what it runs. Anything it runs that the control plane has given
   * up on is forgotten (stopped, never resurrected); anything assigned to it that it does not run:
   * a planned allocation is (re)sent, a started one was lost with the runner and is failed.
   */
  async #reconcile(hostId: string, held: string[]): Promise<void> {
    const live = await allocationsWhere(this.deps.db, { hostId, live: true });
    const liveIds = new Set(live.map((a) => a.id));
    for (const id of held) {
      if (!liveIds.has(id)) this.send(hostId, { type: 'allocation.forget', allocationId: id, reason: 'the control plane no longer runs this allocation' });
    }
    for (const allocation of live) {
      if (held.includes(allocation.id)) continue;
      if (allocation.state === 'planned') {
        this.send(hostId, { type: 'allocation.start', assignment: await buildAssignment(this.deps.db, this.deps.secrets, allocation) });
      } else {
        await this.deps.engine.applyRemote(allocation.operationId, allocation.version, { failureMode: 'runner crash', sentence: 'The runner came back without this allocation: it was lost with the runner.', evidence: { hostId } }, 'control-plane').catch(() => {});
      }
    }
  }
}
