#!/usr/bin/env node
// Writes docs/operations/<kind>.md for each machine declared in packages/core, and the README that
// indexes them, from the compiled machines: run `npx tsc --build` first. The pages are generated so
// that they start out equal to the code; docs-conformance.test.ts then compares (it never
// regenerates), so a changed machine fails the tests until this script is run again.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machines, operationKinds } from '../packages/core/dist/operations/machines/index.js';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'docs', 'operations');

// What the seed calls each machine's owner, and the design notes a table cannot carry.
const pages = {
  deploy: {
    seed: 'Control plane operation',
    notes: [
      'The seed writes "Vango" for the hosted app, so its gate "Vango state impact classified" is named **live state impact classified** here: Berth hosts any app. Every other state, gate and failure-mode name is the seed\'s own wording.',
      'A deploy ends at its preview on purpose: production changes only through a [promotion](promotion.md) of the same digest. From `blocked`, a retry or an approval goes back to `validating`, so every gate is checked again; an abandon goes to `failed`.',
    ],
  },
  promotion: {
    seed: 'Promotion operation',
    notes: [
      'All four gates guard `route_cas`, the one step that changes production. A promotion never builds: it points the route owner at the digest the preview served, by compare-and-swap on the route epoch.',
      'A rollback (`berth rollback`, or a promotion of a deployment older than production\'s) may go back to a deployment whose preview was removed or replaced since, if production served it: "preview artifact exactly matches" then passes on the production route event that named that deployment and digest, and its evidence says `proof: served in production` (an ordinary promotion says `proof: preview`). The artifact is verified by digest in the store either way.',
      'A step that outlived its lease and tries a write (the swap, a production run change) after another engine took the promotion over is refused by the fencing token and recorded in the timeline. If the promotion is still under way it fails at once with "late worker report", in the same transaction; the route owner stays where the last recorded route event put it. A promotion that already ended is left as it ended.',
    ],
  },
  wake: {
    seed: 'Regional data plane',
    notes: [
      'Each wake is one operation row: it ends when the app sleeps (`sleeping`) or the wake fails, and the next request starts a new row. A second request during a wake attaches to the one in flight.',
      '`cold` is active, not resting, because the engine must move a new wake on at once. It may also go straight to `failed`: the gates guarding `wake_requested` are checked there, and a wake they refuse (a stampede, a webhook without a replay policy) must end with a named failure mode rather than wait. Every failure mode leads to `failed`; the refused requests were answered 503 and the refusal is recorded on the row as evidence.',
    ],
  },
  allocation: {
    seed: 'Scheduler and runner',
    notes: [
      '`planned` may go straight to `stopped` when the allocation is cancelled before it started; "drain deadline respected" then passes with nothing to drain.',
      'A drain always ends in `stopped`. When sessions outlive the deadline, the failure mode "session still active at drain deadline" records the sessions cut; failure modes bypass gates, so the allocation stops although "drain deadline respected" did not pass.',
    ],
  },
  host_drain: {
    seed: 'Operations',
    notes: [
      'The seed has no failed state, and a host in doubt must not take allocations, so every failure mode returns the host to `cordoned`, where the drain rests until a person retries it (to `evacuating`) or aborts it (to `uncordoned`). An abort passes the drift checks like a finished drain: a host returns to service only when it matches the platform.',
      'The drain request that creates the operation is the outside call that moves it from `cordoned` to `evacuating`.',
    ],
  },
  region_enablement: {
    seed: 'Platform topology',
    notes: ['`eligible` rests for as long as the region may run apps; disabling it later, or any failure mode on the way, ends in `disabled`.'],
  },
  database_migration: {
    seed: 'Pipeline/data operation',
    notes: ['From `blocked`, an approval goes back to `classified`, so every gate is checked again with the approval recorded; an abandon goes to `failed`. A preview never migrates production.'],
  },
};

const cell = (text) => String(text).replaceAll('|', '\\|');
const code = (state) => `\`${state}\``;
const row = (cells) => `| ${cells.map(cell).join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function page(kind) {
  const m = machines[kind];
  const extra = pages[kind];
  const file = `packages/core/src/operations/machines/${kind.replaceAll('_', '-')}.ts`;
  return `# ${m.title}

Kind \`${kind}\`, declared in [\`${file}\`](../../${file}); the seed (seeds/001, the state machine gallery) files it under "${extra.seed}".

${m.description}

${extra.notes.join('\n\n')}

An operation starts in ${code(m.initial)}. An **active** state is one the engine runs while it holds the operation's lease; a **resting** state waits for a call from outside the engine (a person, traffic, a drain request); a **terminal** state ends the operation.

## States

${table(['state', 'role', 'description'], Object.entries(m.states).map(([name, s]) => [code(name), s.role, s.description]))}

## Transitions

${Object.entries(m.transitions).map(([from, to]) => `- ${code(from)} → ${to.length ? to.map(code).join(', ') : 'nothing (terminal)'}`).join('\n')}

## Gates

A guarded state is entered only when every gate guarding it has passed; a failure mode bypasses gates.

${table(['gate', 'guards', 'description'], m.gates.map((g) => [g.name, g.guards.map(code).join(', '), g.description]))}

## Failure modes

A failure mode may be recorded from any state with a transition to the state it leads to.

${table(['failure mode', 'leads to', 'description', 'remedy'], m.failureModes.map((f) => [f.name, code(f.leadsTo), f.description, f.remedy]))}
`;
}

function readme() {
  const rows = operationKinds.map((kind) => {
    const m = machines[kind];
    return [`[${m.title}](${kind}.md)`, code(kind), m.description, Object.keys(m.states).map(code).join(', ')];
  });
  return `# Operations

Every meaningful mutation in Berth is a durable operation: one row with a kind, a state, gate evidence, a failure mode and an append-only timeline. Each of the seven kinds of seeds/001 is declared once, as data, in \`packages/core/src/operations/machines/\`; \`decide()\` in \`packages/core/src/operations/decide.ts\` is the one pure function that says whether a transition is legal. A page per kind lists its states, transitions, gates and failure modes.

${table(['operation', 'kind', 'what it does', 'states, in the seed\'s order'], rows)}

These pages are generated from the machines by \`node scripts/gen-operation-docs.mjs\` (after \`npx tsc --build\`), and \`packages/core/src/operations/docs-conformance.test.ts\` fails when a page and its machine differ. Change the machine, then regenerate; edit the notes in the script, not here.
`;
}

mkdirSync(out, { recursive: true });
for (const kind of operationKinds) writeFileSync(join(out, `${kind}.md`), page(kind));
writeFileSync(join(out, 'README.md'), readme());
console.log(`wrote ${operationKinds.length} pages and the README to ${out}`);
