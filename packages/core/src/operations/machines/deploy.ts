import type { MachineSpec } from '../machine.js';

/** The states of a deploy, in the seed's order. */
export type DeployState = 'queued' | 'cloning' | 'building' | 'validating' | 'preview_ready' | 'blocked' | 'failed';

/**
 * The deploy pipeline of seeds/001: a commit becomes an immutable artifact on a preview URL. It
 * ends at the preview on purpose: production changes only through a promotion of the same digest.
 * The seed writes "Vango" for the hosted app, so its gate "Vango state impact classified" is named
 * "live state impact classified" here: Berth hosts any app.
 */
export const deployMachine = {
  kind: 'deploy',
  title: 'Deploy Pipeline',
  description: 'Turns a git commit into an immutable artifact served on a preview URL, which a promotion can later send to production unchanged.',
  states: {
    queued: { role: 'active', description: 'The deploy is recorded and waits for the builder to pick it up.' },
    cloning: { role: 'active', description: 'The builder is fetching the commit named by the deploy into a clean source tree.' },
    building: { role: 'active', description: 'The builder is running the app\'s build and packaging the result as an artifact named by its sha256 digest.' },
    validating: { role: 'active', description: 'The control plane is checking the gates against the built artifact before it may be served on a preview URL.' },
    preview_ready: { role: 'terminal', description: 'The artifact is served on its preview URL and can be promoted to production unchanged, by its digest.' },
    blocked: { role: 'resting', description: 'Validation found something a person must resolve; the deploy waits to be retried, approved or abandoned.' },
    failed: { role: 'terminal', description: 'The deploy stopped with a named failure mode; no preview was published and production is untouched.' },
  },
  initial: 'queued',
  transitions: {
    queued: ['cloning', 'failed'],
    cloning: ['building', 'failed'],
    building: ['validating', 'failed'],
    validating: ['preview_ready', 'blocked', 'failed'],
    preview_ready: [],
    // A retry or an approval sends the deploy back through validation, so every gate is checked again.
    blocked: ['validating', 'failed'],
    failed: [],
  },
  gates: [
    {
      name: 'generated artifacts current',
      guards: ['preview_ready'],
      description: 'Generated files committed in the repository (lockfiles, generated code, compiled assets) match what the build produced from the same source.',
    },
    {
      name: 'live state impact classified',
      guards: ['preview_ready'],
      description: 'The change\'s effect on the app\'s live state (sessions, WebSocket state, its state schema) is classified, so a promotion knows whether live sessions can carry over.',
    },
    {
      name: 'DB impact classified',
      guards: ['preview_ready'],
      description: 'The artifact\'s database migrations are classified (none, expand, contract or destructive), so a preview never mutates the production database.',
    },
    {
      name: 'secrets/providers bound',
      guards: ['preview_ready'],
      description: 'Every secret and provider the manifest names is bound for the preview environment; values are checked for presence and never printed.',
    },
  ],
  failureModes: [
    {
      name: 'stale artifacts',
      leadsTo: 'blocked',
      description: 'Generated files in the commit differ from what the build produced, so the preview would not match its source.',
      remedy: 'Run the app\'s generator locally, commit the regenerated files and push, or retry the deploy if the difference is expected.',
    },
    {
      name: 'build digest mismatch',
      leadsTo: 'failed',
      description: 'The artifact\'s bytes no longer hash to the digest recorded for the build, so it cannot be trusted as the artifact that was built.',
      remedy: 'Deploy again to build a fresh artifact, and check the artifact store\'s disk for corruption or tampering.',
    },
    {
      name: 'cold deploy needs approval',
      leadsTo: 'blocked',
      description: 'The change cannot carry live sessions over, so serving it means a cold start for every user, and policy requires a person to approve that first.',
      remedy: 'Read the live state impact in the operation\'s gate evidence and approve the deploy, or make the state schema compatible and push again.',
    },
    {
      name: 'migration blocks preview',
      leadsTo: 'blocked',
      description: 'The artifact carries a database migration that the preview could only run by touching production data, so the preview is held.',
      remedy: 'Give the preview its own database or make the migration expand-only, then retry the deploy.',
    },
  ],
} as const satisfies MachineSpec<DeployState>;
