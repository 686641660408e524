import type { AllocationSpec, Driver, OutputStream, RunningAllocation } from './driver.js';
import { fakeAppSource, parseFakeBehaviour } from './fake-behaviour.js';
import { ProcessDriver, type ProcessDriverOptions } from './process-driver.js';

/**
 * A real driver for tests: it starts a real Node HTTP server on the allocation's port, through the
 * process driver, so stop, stats, memory limits and exits behave exactly as in production. Only
 * the app is fake: instead of the artifact's command it runs a small server that answers 200
 * `fake <allocationId>` and, told through `BERTH_FAKE` (see fake-behaviour.ts), crashes, hangs,
 * exits, ignores SIGTERM, warms up slowly or runs out of memory.
 */
export class FakeDriver implements Driver {
  readonly name = 'fake' as const;
  readonly #inner: ProcessDriver;

  constructor(options: ProcessDriverOptions = {}) {
    this.#inner = new ProcessDriver(options);
  }

  async start(spec: AllocationSpec, onOutput: (stream: OutputStream, line: string) => void): Promise<RunningAllocation> {
    const behaviour = parseFakeBehaviour(spec.env.BERTH_FAKE);
    // `exec` replaces the shell, so signals reach node itself, as they would an app started that way.
    const command = `exec ${[process.execPath, '-e', fakeAppSource, spec.allocationId, JSON.stringify(behaviour)].map(shellQuote).join(' ')}`;
    return this.#inner.start({ ...spec, command }, onOutput);
  }
}

/** Quotes one word for /bin/sh: single quotes keep everything literal but a single quote itself. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
