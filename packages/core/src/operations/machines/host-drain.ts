import type { MachineSpec } from '../machine.js';

/** The states of a host drain, in the seed's order. */
export type HostDrainState = 'cordoned' | 'evacuating' | 'replacement_ready' | 'upgrading' | 'postcheck' | 'uncordoned';

/**
 * The host drain (and OS upgrade) of seeds/001. The seed has no failed state, and a host in doubt
 * must not take allocations, so every failure holds the host cordoned: `cordoned` rests until a
 * person retries the drain or aborts it. An abort goes to `uncordoned` through the drift checks like
 * a finished drain, which is safe: a host returns to service only when it matches the platform.
 * The drain request that creates the operation is the outside call that moves it to `evacuating`.
 */
export const hostDrainMachine = {
  kind: 'host_drain',
  title: 'Host Drain / OS Upgrade',
  description: 'Takes a host out of service for maintenance such as an OS upgrade: moves its allocations elsewhere without losing quorum or cutting pinned sessions, upgrades it, checks it and returns it to service.',
  states: {
    cordoned: { role: 'resting', description: 'The host takes no new allocations; the drain waits here to start, and comes back here after a failure until a person retries or aborts it.' },
    evacuating: { role: 'active', description: 'Replacements for every allocation on the host are being started on other hosts.' },
    replacement_ready: { role: 'active', description: 'Every allocation on the host has a ready replacement elsewhere, and the host\'s own allocations are draining.' },
    upgrading: { role: 'active', description: 'The host\'s allocations have drained and the host is being upgraded or maintained.' },
    postcheck: { role: 'active', description: 'The host\'s runner agent is back after the upgrade and its drift checks are running.' },
    uncordoned: { role: 'terminal', description: 'The host accepts allocations again; the drain finished or was aborted.' },
  },
  initial: 'cordoned',
  transitions: {
    cordoned: ['evacuating', 'uncordoned'],
    evacuating: ['replacement_ready', 'cordoned'],
    replacement_ready: ['upgrading', 'cordoned'],
    upgrading: ['postcheck', 'cordoned'],
    postcheck: ['uncordoned', 'cordoned'],
    uncordoned: [],
  },
  gates: [
    {
      name: 'quorum remains healthy',
      guards: ['evacuating'],
      description: 'Taking the host out leaves every replicated service (control planes, store replicas) with a healthy quorum.',
    },
    {
      name: 'runner headroom exists',
      guards: ['evacuating'],
      description: 'The other hosts have room for replacements of every allocation on this host.',
    },
    {
      name: 'active sessions can drain',
      guards: ['upgrading'],
      description: 'Every active session on the host ended or moved, so none is killed while the drain claims to wait for it.',
    },
    {
      name: 'drift checks pass',
      guards: ['uncordoned'],
      description: 'The host\'s runner agent version, driver and configuration match what the platform expects, so it is safe to schedule on again.',
    },
  ],
  failureModes: [
    {
      name: 'no headroom',
      leadsTo: 'cordoned',
      description: 'The other hosts lack room for the replacements, so the host stays cordoned with its allocations where they are.',
      remedy: 'Add a host or free capacity, then retry the drain; or abort it to put the host back into service.',
    },
    {
      name: 'active sessions pinned',
      leadsTo: 'cordoned',
      description: 'Sessions pinned to the host\'s allocations would outlive the drain, so the upgrade did not start.',
      remedy: 'Wait for the sessions to end or warn their users, then retry; a durable session store lets sessions move to another host.',
    },
    {
      name: 'provider outage',
      leadsTo: 'cordoned',
      description: 'The infrastructure provider failed while the host was being drained or upgraded, so the drain stopped and holds the host cordoned.',
      remedy: 'Wait for the provider to recover, check the host, then retry the drain.',
    },
    {
      name: 'runner-agent regression',
      leadsTo: 'cordoned',
      description: 'The runner agent on the upgraded host misbehaves or fails its checks, so the host is not returned to service.',
      remedy: 'Roll the runner agent back or fix it, then retry the drain; the drift-check evidence names what differs.',
    },
  ],
} as const satisfies MachineSpec<HostDrainState>;
