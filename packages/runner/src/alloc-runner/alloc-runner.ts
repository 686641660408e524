import type { AllocationAssignment, AllocationHeld, GateResult } from '@berth/core';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AllocationStats, OutputStream, RunningAllocation } from '../drivers/driver.js';
import type { AllocRunnerDeps } from './deps.js';
import { AllocationFailed, type AllocationDirs, type HookContext, type PrerunHook, type ReadyHook, type StopHook } from './hook.js';
import { artifactHook } from './hooks/artifact-hook.js';
import { drainHook } from './hooks/drain-hook.js';
import { exitWatchHook } from './hooks/exit-watch-hook.js';
import { readinessHook } from './hooks/readiness-hook.js';
import { secretsHook } from './hooks/secrets-hook.js';
import { startHook } from './hooks/start-hook.js';
import { LogBatcher } from './log-batcher.js';
import { AllocationReporter, type AllocationState, type Transition } from './report.js';

/** The lifecycle, in order. Extending it means adding a hook here, not a branch below. */
const prerunHooks: readonly PrerunHook[] = [artifactHook, secretsHook, startHook, readinessHook];
const readyHooks: readonly ReadyHook[] = [exitWatchHook];
const stopHooks: readonly StopHook[] = [drainHook];

/** How an allocation runner ended: its last accepted state, and the refusal that superseded it if one did. */
export interface AllocRunnerOutcome {
  state: AllocationState;
  version: number;
  refused?: string;
}

/**
 * Drives one AllocationAssignment through the allocation machine on this host: pulling, starting,
 * ready, and on request draining and stopped, or failed with a named failure mode. Each step is a
 * hook (see hook.ts); this class only runs them in order, keeps the state the control plane
 * accepted apart from the state it wants, and cleans up.
 *
 * Every transition is reported with the version the previous acceptance returned. A refused report
 * means the control plane has superseded this allocation: the runner stops its process at once,
 * reports nothing more, and logs why.
 */
export class AllocRunner {
  readonly allocationId: string;
  /** Resolves once the allocation has ended and its files are removed, with how it ended. */
  readonly outcome: Promise<AllocRunnerOutcome>;
  /** The same moment as `outcome`, for callers that only wait. */
  readonly done: Promise<void>;
  readonly #assignment: AllocationAssignment;
  readonly #deps: AllocRunnerDeps;
  readonly #reporter: AllocationReporter;
  readonly #logs: LogBatcher;
  readonly #abort = new AbortController();
  readonly #context: HookContext;
  #resolveDone!: (outcome: AllocRunnerOutcome) => void;
  #desired: 'run' | 'stop' = 'run';
  #prerun: Promise<void> | undefined;
  #finishing: Promise<void> | undefined;

  constructor(assignment: AllocationAssignment, deps: AllocRunnerDeps) {
    if (!/^[A-Za-z0-9_-]+$/.test(assignment.allocationId)) throw new Error(`"${assignment.allocationId}" is not an allocation id`);
    this.allocationId = assignment.allocationId;
    this.#assignment = assignment;
    this.#deps = deps;
    this.outcome = new Promise((resolve) => (this.#resolveDone = resolve));
    this.done = this.outcome.then(() => {});
    this.#logs = new LogBatcher(deps.onLog);
    this.#reporter = new AllocationReporter(assignment.allocationId, assignment.version, deps.report, (reason) => this.#supersede(reason));
    this.#context = this.#makeContext();
  }

  /** The last state the control plane accepted. */
  get state(): AllocationState {
    return this.#reporter.state;
  }

  /** The version the next report acts on. */
  get version(): number {
    return this.#reporter.version;
  }

  get desired(): 'run' | 'stop' {
    return this.#desired;
  }

  /** Where the app listens, once started: the edge's target. */
  get address(): { host: string; port: number } | null {
    return this.#context.running?.address ?? null;
  }

  /** What the agent tells the control plane it runs when it (re)connects. */
  held(): AllocationHeld {
    return { allocationId: this.allocationId, version: this.version, state: this.state };
  }

  /** For heartbeats: the app's CPU and memory now, zero when nothing runs. */
  stats(): Promise<AllocationStats> {
    return this.#context.running?.stats() ?? Promise.resolve({ cpuPercent: 0, memoryBytes: 0 });
  }

  /** Runs the prerun hooks; resolves when the allocation is ready or has ended. Calling it twice runs it once. */
  async start(): Promise<AllocationState> {
    this.#prerun ??= this.#run();
    await this.#prerun;
    // Stopped or superseded on the way: the answer is how it ended, not where the hooks gave up.
    if (this.#abort.signal.aborted) return (await this.outcome).state;
    return this.state;
  }

  /** Drains and stops the allocation (or cancels it if it is not ready yet); resolves when it has ended (see `outcome`). */
  async stop(deadlineMs: number, reason: string): Promise<void> {
    if (this.#desired === 'stop') return this.done;
    this.#desired = 'stop';
    this.#abort.abort();
    await this.#prerun;
    try {
      for (const hook of stopHooks) await hook.stop(this.#context, { deadlineMs, reason });
    } catch (error) {
      this.#log(`stopping: ${(error as Error).message}`);
    }
    await this.#finish();
  }

  /** The control plane has given this allocation up: stop its process and never report it again. */
  async forget(reason: string): Promise<void> {
    this.#log(`forgotten by the control plane (${reason}); stopping it without reporting`);
    this.#reporter.silence();
    this.#desired = 'stop';
    this.#abort.abort();
    await this.#prerun;
    await this.#context.running?.stop(this.#assignment.drainTimeoutMs);
    await this.#finish();
  }

  async #run(): Promise<void> {
    try {
      for (const hook of prerunHooks) {
        if (this.#abort.signal.aborted) return;
        await hook.prerun(this.#context);
      }
    } catch (error) {
      // A stop or a refusal aborted the run; its own path reports and cleans up.
      if (this.#abort.signal.aborted) return;
      await this.#fail(error instanceof AllocationFailed ? error : new AllocationFailed(`the runner hit an unexpected error: ${(error as Error).message}`));
      return;
    }
    if (this.#abort.signal.aborted || this.state !== 'ready') return;
    for (const hook of readyHooks) void hook.whileReady(this.#context).catch((error: Error) => this.#log(`${hook.name} hook: ${error.message}`));
  }

  /** Ends the allocation in `failed`: a failed allocation must not keep running, so its process is stopped before the report. */
  async #fail(failure: AllocationFailed): Promise<void> {
    await this.#context.running?.stop(this.#assignment.drainTimeoutMs);
    const transition: Transition = { to: 'failed', sentence: failure.message };
    if (failure.failureMode) transition.failureMode = failure.failureMode;
    if (failure.evidence) transition.evidence = failure.evidence;
    if (failure.gates) transition.gates = failure.gates;
    await this.#reporter.transition(transition).catch(() => {});
    await this.#finish();
  }

  #supersede(reason: string): void {
    this.#log(`report refused (${reason}); stopping the allocation: a superseded allocation must not keep running`);
    this.#desired = 'stop';
    this.#abort.abort();
    void (async () => {
      await this.#prerun;
      await this.#context.running?.stop(this.#assignment.drainTimeoutMs);
      await this.#finish();
    })();
  }

  /** Runs once, after the process has ended: ships the last output, removes the allocation's files, resolves `done`. */
  #finish(): Promise<void> {
    this.#finishing ??= (async () => {
      await this.#context.running?.exited;
      this.#logs.flush();
      await rm(this.#context.dirs.allocation, { recursive: true, force: true }).catch((error: Error) => this.#log(`could not remove its files: ${error.message}`));
      const refused = this.#reporter.refused;
      this.#resolveDone({ state: this.state, version: this.version, ...(refused !== null ? { refused } : {}) });
    })();
    return this.#finishing;
  }

  #log(line: string): void {
    (this.#deps.log ?? ((text: string) => process.stderr.write(`${text}\n`)))(`runner: allocation ${this.allocationId}: ${line}`);
  }

  #makeContext(): HookContext {
    const runner = this;
    const allocation = join(this.#deps.allocationsDir, this.allocationId);
    const dirs: AllocationDirs = { allocation, artifact: join(allocation, 'artifact'), work: join(allocation, 'work') };
    const pendingGates: GateResult[] = [];
    let running: RunningAllocation | undefined;
    let port: number | undefined;
    return {
      assignment: this.#assignment,
      deps: this.#deps,
      dirs,
      signal: this.#abort.signal,
      pendingGates,
      get desired() { return runner.#desired; },
      get state() { return runner.#reporter.state; },
      get running() { return running; },
      set running(value) { running = value; },
      get port() { return port; },
      set port(value) { port = value; },
      transition: (transition) => this.#reporter.transition(transition),
      fail: (failure) => this.#fail(failure),
      onOutput: (stream: OutputStream, line: string) => this.#logs.add(stream, line),
    };
  }
}
