/**
 * Runs a task every `intervalMs`, and sooner when poked; never two runs at once. The scheduler and
 * the worker-health check each run on one.
 */
export class Loop {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  #current: Promise<void> = Promise.resolve();

  constructor(private readonly task: () => Promise<void>, private readonly intervalMs: number, private readonly onError: (error: unknown) => void) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /**
   * Run soon (a report or a change arrived), without waiting for the interval: at once when idle
   * (a wake waits on the scheduler to place its allocation), else right after the run under way,
   * which also takes in every poke that came while it ran.
   */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#current;
  }

  #schedule(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#current = this.#run();
    }, delay);
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    this.#running = true;
    try {
      await this.task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.#running = false;
      if (!this.#stopped) this.#schedule(this.#again ? 10 : this.intervalMs);
      this.#again = false;
    }
  }
}
