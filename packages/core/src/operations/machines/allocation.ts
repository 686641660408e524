import type { MachineSpec } from '../machine.js';

/** The states of an allocation, in the seed's order. */
export type AllocationState = 'planned' | 'pulling' | 'starting' | 'ready' | 'draining' | 'stopped' | 'failed';

/**
 * The allocation lifecycle of seeds/001: one running instance of one artifact on one host. `ready`
 * rests because an allocation serves until something outside (a drain, a sleep, a host drain) asks
 * it to stop. A drain always ends in `stopped`, even when sessions outlive the deadline: the
 * failure mode "session still active at drain deadline" records the sessions cut, and because a
 * failure mode bypasses gates it stops the allocation although "drain deadline respected" failed.
 */
export const allocationMachine = {
  kind: 'allocation',
  title: 'Allocation Lifecycle',
  description: 'One running instance of one artifact on one host, from the scheduler\'s plan through the runner\'s pull, start, readiness probe and drain to its stop.',
  states: {
    planned: { role: 'active', description: 'The scheduler chose a host for the allocation and told the runner on that host to run it.' },
    pulling: { role: 'active', description: 'The runner is fetching the artifact by digest and verifying its bytes.' },
    starting: { role: 'active', description: 'The runner mounted the environment and secrets and is starting the process or container through its driver.' },
    ready: { role: 'resting', description: 'The allocation passed its health and readiness checks and may serve traffic for its deployment.' },
    draining: { role: 'active', description: 'The allocation takes no new requests and waits for open requests and sessions to finish, up to the drain deadline.' },
    stopped: { role: 'terminal', description: 'The allocation\'s process exited after a drain, or the allocation was cancelled before it started.' },
    failed: { role: 'terminal', description: 'The allocation stopped with a named failure mode; the scheduler may plan a replacement as a new allocation.' },
  },
  initial: 'planned',
  transitions: {
    // A planned allocation may be cancelled before anything started; it then has nothing to drain.
    planned: ['pulling', 'stopped', 'failed'],
    pulling: ['starting', 'failed'],
    starting: ['ready', 'failed'],
    ready: ['draining', 'failed'],
    draining: ['stopped', 'failed'],
    stopped: [],
    failed: [],
  },
  gates: [
    {
      name: 'artifact digest verified',
      guards: ['starting'],
      description: 'The pulled artifact hashes to the digest the allocation names, so the runner starts exactly the bytes that were built.',
    },
    {
      name: 'env/secrets mounted',
      guards: ['starting'],
      description: 'Every environment variable and secret the manifest declares is present in the allocation\'s environment; values are never logged.',
    },
    {
      name: 'health/readiness pass',
      guards: ['ready'],
      description: 'The allocation answered its health and readiness probes, so it is never counted as ready before it can serve.',
    },
    {
      name: 'drain deadline respected',
      guards: ['stopped'],
      description: 'Open requests and sessions finished before the drain deadline; an allocation cancelled before it started has nothing to drain and passes.',
    },
  ],
  failureModes: [
    {
      name: 'runner crash',
      leadsTo: 'failed',
      description: 'The runner agent on the allocation\'s host stopped heartbeating, so the allocation\'s state is unknown and it is counted as lost.',
      remedy: 'Check the host and restart its runner agent; the scheduler plans a replacement allocation on another host meanwhile.',
    },
    {
      name: 'secret missing',
      leadsTo: 'failed',
      description: 'A secret the manifest declares is not set for the environment, so the allocation cannot start.',
      remedy: 'Set the secret named in the evidence (its value is never shown) for the environment, then deploy or wake the app again.',
    },
    {
      name: 'OOM',
      leadsTo: 'failed',
      description: 'The allocation\'s process was killed for using more memory than its limit.',
      remedy: 'Raise the memory limit in berth.toml or reduce the app\'s memory use; the allocation\'s stats show its peak.',
    },
    {
      name: 'session still active at drain deadline',
      leadsTo: 'stopped',
      description: 'The drain deadline passed with sessions still open, so the allocation stopped anyway and the sessions it cut are recorded as evidence.',
      remedy: 'Raise the drain deadline if sessions routinely outlast it, or give the app a durable session store so live sessions can move to another allocation.',
    },
  ],
} as const satisfies MachineSpec<AllocationState>;
