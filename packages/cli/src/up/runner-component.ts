import { join } from 'node:path';
import type { Component } from './components.js';
import type { UpSettings } from './settings.js';

type Agent = { stop(): Promise<void>; hostId: string | undefined };

/**
 * `berth up`'s own runner: the same agent `berth runner` runs on other hosts, joining this control
 * plane over loopback with a join token made for it, so one machine and many share one code path.
 */
export function runnerComponent(settings: UpSettings, deps: { apiUrl: () => string; joinToken: () => Promise<string>; log: (line: string) => void }): Component {
  let agent: Agent | undefined;
  return {
    name: 'runner',
    async start() {
      const { startRunner } = await import('@berth/runner');
      agent = await startRunner({
        apiUrl: deps.apiUrl(),
        joinToken: await deps.joinToken(),
        dataDir: join(settings.dataDir, 'runner'),
        name: 'local',
        driver: settings.runnerDriver,
        ...(settings.dockerSocket ? { dockerSocket: settings.dockerSocket } : {}),
        log: deps.log,
      });
    },
    async stop() {
      await agent?.stop();
    },
  };
}
