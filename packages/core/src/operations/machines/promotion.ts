import type { MachineSpec } from '../machine.js';

/** The states of a production promotion, in the seed's order. */
export type PromotionState = 'requested' | 'policy_check' | 'route_cas' | 'edge_propagating' | 'healthy' | 'rolled_back' | 'failed';

/**
 * The production promotion of seeds/001. It never builds: it points the production route owner at
 * the digest a preview already serves, by compare-and-swap on the route epoch, so every gate guards
 * `route_cas`, the one step that changes production.
 */
export const promotionMachine = {
  kind: 'promotion',
  title: 'Production Promotion',
  description: 'Points the production route owner at the exact artifact a preview already serves, by compare-and-swap on the route epoch, and waits for every edge to apply it.',
  states: {
    requested: { role: 'active', description: 'A person or the CLI asked to promote one deployment\'s artifact to production.' },
    policy_check: { role: 'active', description: 'The control plane is checking the gates: the same digest as the preview, approval, runtime services and the expected route epoch.' },
    route_cas: { role: 'active', description: 'The route owner is being pointed at the new deployment by compare-and-swap on its epoch, which appends a route event.' },
    edge_propagating: { role: 'active', description: 'The route event is published and the control plane waits for every edge to report that it applied it in order.' },
    healthy: { role: 'terminal', description: 'Every edge serves the new deployment from allocations that pass readiness; the promotion is complete.' },
    rolled_back: { role: 'terminal', description: 'The route owner was pointed back at the previous deployment\'s artifact, by its digest and without a rebuild.' },
    failed: { role: 'terminal', description: 'The promotion stopped with a named failure mode; the route owner stays where the last recorded route event put it.' },
  },
  initial: 'requested',
  transitions: {
    requested: ['policy_check', 'failed'],
    policy_check: ['route_cas', 'failed'],
    route_cas: ['edge_propagating', 'failed'],
    edge_propagating: ['healthy', 'rolled_back', 'failed'],
    healthy: [],
    rolled_back: [],
    failed: [],
  },
  gates: [
    {
      name: 'preview artifact exactly matches',
      guards: ['route_cas'],
      description: 'The artifact to promote has the digest its preview served (for a rollback whose preview is gone, the digest a production route event named when production served it) and is verified by that digest in the store, so production runs exactly what was reviewed and nothing is rebuilt.',
    },
    {
      name: 'route epoch predecessor current',
      guards: ['route_cas'],
      description: 'The route owner\'s epoch is still the one the promotion was planned against, so the swap cannot overwrite a change made since.',
    },
    {
      name: 'approval present if required',
      guards: ['route_cas'],
      description: 'If the environment\'s policy requires approval for production, a recorded approval names this promotion.',
    },
    {
      name: 'runtime services ready',
      guards: ['route_cas'],
      description: 'The databases, session store and other services the artifact needs are reachable in production at the versions it expects.',
    },
  ],
  failureModes: [
    {
      name: 'late worker report',
      leadsTo: 'failed',
      description: 'An executor whose lease had expired reported a result after another took over; the fencing token refused it and the promotion stops rather than act on a report it cannot order.',
      remedy: 'Read the operation\'s timeline for the refused report and the route owner\'s current epoch, then request the promotion again if production is not on the wanted deployment.',
    },
    {
      name: 'route epoch conflict',
      leadsTo: 'failed',
      description: 'The compare-and-swap found another epoch than the promotion expected: another promotion or rollback changed the route owner first.',
      remedy: 'Read which deployment owns the route now and at which epoch, then request the promotion again if it is still wanted.',
    },
    {
      name: 'edge replay gap',
      leadsTo: 'rolled_back',
      description: 'An edge found a gap in the route event sequence while applying the promotion, so the route owner was pointed back at the previous artifact rather than serve production inconsistently.',
      remedy: 'Check the edge\'s connection to the route event log and that it fetched a fresh signed snapshot, then promote again.',
    },
    {
      name: 'DB rollback unsafe',
      leadsTo: 'failed',
      description: 'Rolling back would run the previous artifact against a schema it cannot use, so Berth refuses to hide the incompatibility and stops for a person.',
      remedy: 'Roll forward with a fix, or restore the database to its point before the migration and then roll back; the evidence names the migration.',
    },
  ],
} as const satisfies MachineSpec<PromotionState>;
