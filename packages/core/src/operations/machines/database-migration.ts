import type { MachineSpec } from '../machine.js';

/** The states of a database migration, in the seed's order. */
export type DatabaseMigrationState = 'classified' | 'dry_run' | 'locked' | 'applying' | 'verified' | 'blocked' | 'failed';

/**
 * The database migration of seeds/001. A migration that is destructive or breaks the artifact still
 * serving rests in `blocked` for a person; an approval sends it back to `classified`, so every gate
 * is checked again with the approval recorded. A preview never migrates production: that fails.
 */
export const databaseMigrationMachine = {
  kind: 'database_migration',
  title: 'Database Migration',
  description: 'Applies an app\'s schema migration only after it is classified, dry-run, locked and shown compatible with the artifact still serving, with an explicit rollback plan.',
  states: {
    classified: { role: 'active', description: 'The migration\'s statements were classified as expand, contract or destructive, and the engine checks whether it may go on.' },
    dry_run: { role: 'active', description: 'The migration is running against a copy of the schema, to prove it applies and to measure the locks it takes.' },
    locked: { role: 'active', description: 'The operation holds the database\'s migration lock, so no other migration runs on it meanwhile.' },
    applying: { role: 'active', description: 'The migration\'s statements are running against the database.' },
    verified: { role: 'terminal', description: 'The migration was applied and the schema matches what the new artifact expects.' },
    blocked: { role: 'resting', description: 'The migration needs a person: it is destructive or breaks the serving artifact, and waits to be approved or abandoned.' },
    failed: { role: 'terminal', description: 'The migration stopped with a named failure mode; the evidence says whether any statement ran.' },
  },
  initial: 'classified',
  transitions: {
    classified: ['dry_run', 'blocked', 'failed'],
    dry_run: ['locked', 'blocked', 'failed'],
    locked: ['applying', 'failed'],
    applying: ['verified', 'failed'],
    verified: [],
    blocked: ['classified', 'failed'],
    failed: [],
  },
  gates: [
    {
      name: 'expand/contract safe',
      guards: ['dry_run'],
      description: 'The migration only expands the schema, or its contract step removes only what no serving artifact still reads.',
    },
    {
      name: 'backup/PITR posture known',
      guards: ['locked'],
      description: 'A recent backup or point-in-time recovery window of the database is confirmed, so the migration can be undone by a restore.',
    },
    {
      name: 'old artifact compatibility checked',
      guards: ['applying'],
      description: 'The artifact serving production now was checked against the migrated schema, so rolling back to it keeps working.',
    },
    {
      name: 'rollback plan explicit',
      guards: ['applying'],
      description: 'The migration states how it is undone: a down migration, a restore point, or a written decision that it is forward-only.',
    },
  ],
  failureModes: [
    {
      name: 'destructive migration',
      leadsTo: 'blocked',
      description: 'The migration drops or rewrites data (a dropped table or column, a narrowing type change), so it waits for a person\'s approval.',
      remedy: 'Split it into expand and contract steps, or approve it after confirming the backup; the evidence lists the destructive statements.',
    },
    {
      name: 'old app incompatible',
      leadsTo: 'blocked',
      description: 'The artifact serving production now would break against the migrated schema, so applying it would make a rollback unsafe.',
      remedy: 'Make the migration backward compatible (expand now, contract after the new artifact is promoted), or approve it knowing rollback is unavailable.',
    },
    {
      name: 'preview mutates production',
      leadsTo: 'failed',
      description: 'A preview deployment tried to migrate the production database, which Berth never allows.',
      remedy: 'Give previews their own database; production migrations run only for the deployment being promoted.',
    },
    {
      name: 'manual lock timeout',
      leadsTo: 'failed',
      description: 'The migration lock was not acquired within its timeout, often because a manual session holds it, so nothing was applied.',
      remedy: 'Find and end the session holding the lock on the database, then run the migration again.',
    },
  ],
} as const satisfies MachineSpec<DatabaseMigrationState>;
