/**
 * `berth up` runs Berth's parts in one process as a list of components, started in order and
 * stopped in reverse: today the control plane; later the runner, the edge and the dashboard, each
 * added as one more component rather than as more code in up.ts.
 */
export interface Component {
  /** For people: "control plane", "runner", ... */
  readonly name: string;
  /** Starts the component; throws a CliError when the local environment refuses. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops it; called once, only after start succeeded. */
  stop(): Promise<void>;
}

export interface RunningComponents {
  readonly names: readonly string[];
  /** Stops every started component in reverse order; a failing stop does not skip the rest. */
  stop(onError: (name: string, error: unknown) => void): Promise<void>;
}

export async function startInOrder(components: readonly Component[], signal: AbortSignal): Promise<RunningComponents> {
  const started: Component[] = [];
  const stopAll = async (onError: (name: string, error: unknown) => void) => {
    for (const component of [...started].reverse()) {
      try {
        await component.stop();
      } catch (error) {
        onError(component.name, error);
      }
    }
  };
  for (const component of components) {
    try {
      await component.start(signal);
    } catch (error) {
      // What started before the failure must not outlive it: it holds ports and the data dir.
      await stopAll(() => {});
      throw error;
    }
    started.push(component);
  }
  return { names: started.map((c) => c.name), stop: stopAll };
}
