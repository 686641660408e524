import { EventEmitter, setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { BerthError, machines as coreMachines, newId, stateSpec, type Clock, type MachineSpec } from '@berth/core';
import type { Db, Queryable } from '../store/db.js';
import { commitTransition, type TransitionHook } from './commit-transition.js';
import type { Executor, StepTransition } from './executor.js';
import type { OperationEvent, OperationRecord } from './operation-record.js';
import { appendEvent, claimNext, findByIdempotencyKey, findOperation, insertOperation, releaseAllLeases } from './operations-store.js';
import { requestHash } from './request-hash.js';
import { runOperation } from './run-operation.js';

export interface EngineDeps {
  db: Db;
  clock: Clock;
  /** Machines by kind; the seven of core unless a test brings its own. */
  machines?: Readonly<Record<string, MachineSpec>>;
  /** Who this engine is in leases and timelines; unique per process. */
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  /** Operations this engine drives at once. */
  concurrency?: number;
  maxAttempts?: number;
  /** How long stop() lets running steps finish before handing their leases back anyway. */
  stopGraceMs?: number;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
}

export interface CreateOperation {
  orgId: string;
  kind: string;
  subject: { type: string; id: string };
  input?: Record<string, unknown>;
  /** A retried request with the same key attaches to the operation the first one created. */
  idempotencyKey?: string;
  /**
   * What makes two requests "the same" for the idempotency key; defaults to kind, subject and
   * input. A caller whose subject id is minted per request (a deployment) names the request instead.
   */
  fingerprint?: unknown;
  actor: string;
  /** Runs in the transaction that creates the operation (not on a replay), e.g. to insert its subject's row. */
  onCreate?: (tx: Queryable, operation: OperationRecord) => Promise<void>;
}

/**
 * The operation engine: persists operations and their timelines, and drives each active operation
 * through its machine with the executor registered for its kind, under a lease that another engine
 * takes over when it expires. See docs/operations/ for the machines.
 */
export class OperationEngine {
  readonly owner: string;
  readonly #deps: Required<Omit<EngineDeps, 'owner' | 'onError'>> & Pick<EngineDeps, 'onError'>;
  readonly #executors = new Map<string, Executor>();
  readonly #events = new EventEmitter();
  readonly #running = new Set<Promise<void>>();
  readonly #hooks: TransitionHook[] = [];
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(deps: EngineDeps) {
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#deps = { machines: coreMachines, leaseMs: 30_000, pollMs: 250, concurrency: 8, maxAttempts: 3, stopGraceMs: 5000, ...deps };
    this.#events.setMaxListeners(0);
    setMaxListeners(0, this.#stop.signal);
  }

  machine(kind: string): MachineSpec {
    const machine = this.#deps.machines[kind];
    if (!machine) throw new BerthError('unknown_operation_kind', `There is no operation kind "${kind}".`, { details: { kind } });
    return machine;
  }

  /** Registers the executor for its kind; one per kind. */
  register(executor: Executor): void {
    this.machine(executor.kind);
    if (this.#executors.has(executor.kind)) {
      throw new BerthError('executor_already_registered', `An executor for "${executor.kind}" operations is already registered.`);
    }
    this.#executors.set(executor.kind, executor);
  }

  /** Creates an operation in its machine's initial state, or returns the one its idempotency key names. */
  async create(req: CreateOperation): Promise<{ operation: OperationRecord; created: boolean }> {
    const machine = this.machine(req.kind);
    const input = req.input ?? {};
    const hash = req.idempotencyKey ? requestHash(req.fingerprint ?? { kind: req.kind, subject: req.subject, input }) : null;
    const now = new Date(this.#deps.clock.now());
    const result = await this.#deps.db.transaction(async (tx) => {
      const inserted = await insertOperation(tx, {
        id: newId('operation', now.getTime()), orgId: req.orgId, kind: req.kind, subject: req.subject, state: machine.initial,
        role: stateSpec(machine, machine.initial).role, input, idempotencyKey: req.idempotencyKey ?? null, requestHash: hash, now,
      });
      if (inserted) {
        await req.onCreate?.(tx, inserted);
        const event = await appendEvent(tx, { operationId: inserted.id, at: now, type: 'created', to: inserted.state, sentence: `${machine.title} requested for ${req.subject.type} ${req.subject.id}.`, evidence: { input }, actor: req.actor });
        return { operation: inserted, created: true, events: [event] };
      }
      const existing = await findByIdempotencyKey(tx, req.orgId, req.kind, req.idempotencyKey!);
      if (!existing) throw new BerthError('conflict', 'The operation for this Idempotency-Key could not be read back; retry.');
      if (existing.requestHash !== hash) {
        throw new BerthError('idempotency_key_reused', `Idempotency-Key "${req.idempotencyKey}" was already used for a different ${req.kind} request (operation ${existing.operation.id}).`, { details: { operationId: existing.operation.id } });
      }
      return { operation: existing.operation, created: false, events: [] };
    });
    this.#publish(result.events);
    if (result.created) this.#wake?.();
    return { operation: result.operation, created: result.created };
  }

  /**
   * A person's (or the API's) move of a resting operation, e.g. approve or retry a blocked deploy.
   * Fenced by version: refused when the operation moved on since `expectedVersion` was read.
   */
  async move(operationId: string, step: StepTransition & { expectedVersion?: number }, actor: string): Promise<OperationRecord> {
    const op = await findOperation(this.#deps.db, operationId);
    if (!op) throw new BerthError('not_found', `No operation ${operationId}.`);
    if (step.expectedVersion !== undefined && step.expectedVersion !== op.version) {
      throw new BerthError('conflict', `Operation ${operationId} is at version ${op.version}, not ${step.expectedVersion}; read it again.`);
    }
    if (op.role === 'active') {
      throw new BerthError('illegal_transition', `Operation ${operationId} is being driven by the engine (state "${op.state}"); only a resting operation can be moved by hand.`);
    }
    const result = await commitTransition({ db: this.#deps.db, machine: this.machine(op.kind), op, step, now: new Date(this.#deps.clock.now()), actor, owner: null, hooks: this.#hooks });
    this.#publish(result.events);
    this.#wake?.();
    return result.operation;
  }

  /**
   * A transition reported by a remote executor (a runner, for allocations), fenced by the version
   * the report acts on: a late report from a superseded allocation or operation is refused with
   * `stale_executor` and recorded in the timeline, never applied.
   */
  async applyRemote(operationId: string, expectedVersion: number, step: StepTransition, actor: string): Promise<OperationRecord> {
    const op = await findOperation(this.#deps.db, operationId);
    if (!op) throw new BerthError('not_found', `No operation ${operationId}.`);
    if (this.#executors.has(op.kind)) throw new BerthError('illegal_transition', `${op.kind} operations are driven by this engine, not by reports.`);
    if (op.version !== expectedVersion || op.role === 'terminal') {
      const reason = op.role === 'terminal'
        ? `the operation already ended in "${op.state}"`
        : `it acts on version ${expectedVersion}, but the operation is at version ${op.version} (state "${op.state}")`;
      const event = await appendEvent(this.#deps.db, { operationId, at: new Date(this.#deps.clock.now()), type: 'note', from: op.state, to: op.state, sentence: `A late report was refused: ${reason}.`, evidence: { refused: { to: step.to ?? null, failureMode: step.failureMode ?? null, sentence: step.sentence, version: expectedVersion } }, actor });
      this.#publish([event]);
      throw new BerthError('stale_executor', `The report on ${operationId} was refused: ${reason}.`, { details: { operationId, expectedVersion, currentVersion: op.version } });
    }
    const result = await commitTransition({ db: this.#deps.db, machine: this.machine(op.kind), op, step, now: new Date(this.#deps.clock.now()), actor, owner: null, hooks: this.#hooks });
    this.#publish(result.events);
    return result.operation;
  }

  /**
   * Adds a hook run inside the transaction of every transition this engine commits (engine steps,
   * move, applyRemote); returns its removal. What it writes commits with the transition or not at all.
   */
  onTransition(hook: TransitionHook): () => void {
    this.#hooks.push(hook);
    return () => {
      const index = this.#hooks.indexOf(hook);
      if (index >= 0) this.#hooks.splice(index, 1);
    };
  }

  /** Subscribes to events appended by this process; the API's streams also poll the store. */
  onEvent(listener: (event: OperationEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  #publish(events: OperationEvent[]): void {
    for (const event of events) this.#events.emit('event', event);
  }

  /** Claims and drives due operations until none is left or the concurrency is used; returns how many it started. */
  async runOnce(): Promise<number> {
    const kinds = [...this.#executors.keys()];
    if (kinds.length === 0) return 0;
    let started = 0;
    while (this.#running.size < this.#deps.concurrency && !this.#stop.signal.aborted) {
      const now = this.#deps.clock.now();
      const claimed = await this.#deps.db.transaction(async (tx) => {
        const claim = await claimNext(tx, this.owner, kinds, new Date(now), new Date(now + this.#deps.leaseMs));
        if (claim?.takenOverFrom) {
          const { owner, expiredAt } = claim.takenOverFrom;
          const event = await appendEvent(tx, { operationId: claim.operation.id, at: new Date(now), type: 'lease', from: claim.operation.state, to: claim.operation.state, sentence: `Taken over from ${owner}, whose lease expired at ${expiredAt}.`, evidence: { previousOwner: owner, expiredAt }, actor: this.owner });
          return { claim, events: [event] };
        }
        return claim ? { claim, events: [] } : undefined;
      });
      if (!claimed) break;
      this.#publish(claimed.events);
      started++;
      const { claim } = claimed;
      const run = runOperation({
        db: this.#deps.db, clock: this.#deps.clock, owner: this.owner, leaseMs: this.#deps.leaseMs, maxAttempts: this.#deps.maxAttempts,
        machine: this.machine(claim.operation.kind), executor: this.#executors.get(claim.operation.kind)!, hooks: this.#hooks, stopping: this.#stop.signal,
        onEvents: (events) => this.#publish(events),
        onError: (error, op) => this.#deps.onError?.(error, { operationId: op.id, state: op.state }),
      }, claim).catch((error) => this.#deps.onError?.(error, { operationId: claim.operation.id })).finally(() => {
        this.#running.delete(run);
        this.#wake?.();
      });
      this.#running.add(run);
    }
    return started;
  }

  /** Starts the polling loop. */
  start(): void {
    if (this.#loop) return;
    this.#stop = new AbortController();
    // Every running operation listens for the stop; that is not a leak.
    setMaxListeners(0, this.#stop.signal);
    this.#loop = (async () => {
      while (!this.#stop.signal.aborted) {
        try {
          await this.runOnce();
        } catch (error) {
          this.#deps.onError?.(error, { phase: 'claim' });
        }
        const woken = new Promise<void>((resolve) => (this.#wake = resolve));
        await Promise.race([woken, sleep(this.#deps.pollMs, undefined, { signal: this.#stop.signal }).catch(() => {})]);
      }
    })();
  }

  /**
   * Stops claiming, lets running steps finish (they see their signal aborted), and hands every
   * held lease back so the operations are picked up at once by another engine or after restart.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    const settled = Promise.allSettled([...this.#running]).then(() => true);
    const finished = await Promise.race([settled, sleep(this.#deps.stopGraceMs, false)]);
    if (!finished) {
      // A step that ignores its signal must not hold the operation hostage: hand the lease back,
      // fenced by version, so the step's late write (if it ever comes) is refused.
      const now = new Date(this.#deps.clock.now());
      await this.#deps.db.transaction(async (tx) => {
        for (const op of await releaseAllLeases(tx, this.owner, now)) {
          this.#publish([await appendEvent(tx, { operationId: op.id, at: now, type: 'lease', from: op.state, to: op.state, sentence: 'The lease was handed back: the control plane stopped before this step finished; the step runs again on the next holder.', actor: this.owner })]);
        }
      });
    }
  }

  /** Resolves when nothing is running in this engine (tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
