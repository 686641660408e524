import type { MachineSpec } from '../machine.js';

/** The states of a region enablement, in the seed's order. */
export type RegionEnablementState = 'requested' | 'provisioning' | 'binding_services' | 'replicating_artifacts' | 'eligible' | 'disabled';

/**
 * The region enablement of seeds/001. A region may run apps only once it is `eligible`, which rests
 * until the region is disabled; every failure disables the region, so no traffic is ever placed in
 * a region whose data, services or artifacts are incomplete.
 */
export const regionEnablementMachine = {
  kind: 'region_enablement',
  title: 'Region Enablement',
  description: 'Makes a new region eligible to run apps: checks residency, provisions hosts and edges, binds data and runtime services and replicates artifacts before any app is placed there.',
  states: {
    requested: { role: 'active', description: 'An operator asked to enable the region.' },
    provisioning: { role: 'active', description: 'Residency allows the region, and its hosts, runners and edges are being provisioned.' },
    binding_services: { role: 'active', description: 'The region\'s database replicas, session store and other runtime services are being bound to the platform.' },
    replicating_artifacts: { role: 'active', description: 'The artifacts the region\'s apps need are being replicated to it by digest.' },
    eligible: { role: 'resting', description: 'The region may run apps, and stays eligible until it is disabled.' },
    disabled: { role: 'terminal', description: 'The region may not run apps: its enablement failed with a named failure mode, or it was disabled.' },
  },
  initial: 'requested',
  transitions: {
    requested: ['provisioning', 'disabled'],
    provisioning: ['binding_services', 'disabled'],
    binding_services: ['replicating_artifacts', 'disabled'],
    replicating_artifacts: ['eligible', 'disabled'],
    eligible: ['disabled'],
    disabled: [],
  },
  gates: [
    {
      name: 'data topology ready',
      guards: ['binding_services'],
      description: 'The region\'s database replicas exist and replicate from the primary.',
    },
    {
      name: 'runtime services available',
      guards: ['binding_services'],
      description: 'The runtime services apps need (session store, queues, object storage) are reachable in the region.',
    },
    {
      name: 'secrets present',
      guards: ['replicating_artifacts'],
      description: 'Every secret the region\'s apps need is present in the region\'s secret store; values are checked for presence, never printed.',
    },
    {
      name: 'residency allowed',
      guards: ['provisioning'],
      description: 'Data residency policy allows the apps\' data and traffic to be processed in this region.',
    },
  ],
  failureModes: [
    {
      name: 'artifact absent',
      leadsTo: 'disabled',
      description: 'An artifact an app needs could not be replicated to the region, so its allocations could not start there.',
      remedy: 'Check that the region can reach the artifact store, then request the enablement again.',
    },
    {
      name: 'DB not replicated',
      leadsTo: 'disabled',
      description: 'The region\'s database replica is missing or too far behind the primary to serve.',
      remedy: 'Fix replication to the region (the evidence names the replica and its lag), then request the enablement again.',
    },
    {
      name: 'session store missing',
      leadsTo: 'disabled',
      description: 'The region has no session store, so live sessions could neither be kept nor moved there.',
      remedy: 'Provision and bind a session store for the region, then request the enablement again.',
    },
    {
      name: 'residency policy violation',
      leadsTo: 'disabled',
      description: 'Residency policy forbids processing the apps\' data in this region, so the region is disabled.',
      remedy: 'Choose a region the policy allows, or change the policy with the data owner\'s sign-off, then request the enablement again.',
    },
  ],
} as const satisfies MachineSpec<RegionEnablementState>;
