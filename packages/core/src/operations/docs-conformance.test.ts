import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MachineSpec } from './machine.js';
import { machines, operationKinds } from './machines/index.js';

// Keeps docs/operations/ equal to the machines. It compares and never regenerates: a page that
// drifts fails here with the rows that differ, and `node scripts/gen-operation-docs.mjs` fixes it.

function repoRoot(): string {
  const fromEnv = process.env['BERTH_REPO_ROOT'];
  if (fromEnv) return fromEnv;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs', 'operations'))) return dir;
    if (dirname(dir) === dir) throw new Error('No folder above this test holds docs/operations; set BERTH_REPO_ROOT.');
  }
}

/** The text under `## heading`, up to the next second-level heading. */
function section(markdown: string, heading: string): string {
  const match = new RegExp(`^## ${heading}\\s*$([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(markdown);
  return match?.[1] ?? '';
}

/** The rows of the first table in `text`, header first, with backticks and escaped pipes undone. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('|'));
  return lines
    .map((line) => line.replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|').replaceAll('`', '')))
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

/** Compares rows keyed by their first cell and says, in sentences, what differs. */
function compareRows(what: string, header: string[], expected: string[][], markdownRows: string[][]): string[] {
  const [head, ...rows] = markdownRows;
  if (!head) return [`The ${what} table is missing.`];
  if (head.join('|') !== header.join('|')) return [`The ${what} table's columns are "${head.join(' | ')}", expected "${header.join(' | ')}".`];
  const problems: string[] = [];
  const documented = new Map(rows.map((row) => [row[0] ?? '', row]));
  const declared = new Map(expected.map((row) => [row[0] ?? '', row]));
  for (const key of declared.keys()) if (!documented.has(key)) problems.push(`The ${what} "${key}" is declared in the machine but missing from the docs.`);
  for (const key of documented.keys()) if (!declared.has(key)) problems.push(`The ${what} "${key}" is in the docs but not declared in the machine.`);
  for (const [key, row] of declared) {
    const doc = documented.get(key);
    header.forEach((column, i) => {
      if (doc && doc[i] !== row[i]) problems.push(`The ${what} "${key}": the docs' ${column} is "${doc[i] ?? ''}", the machine's is "${row[i]}".`);
    });
  }
  const order = (keys: Iterable<string>) => [...keys].filter((key) => declared.has(key) && documented.has(key)).join(', ');
  if (problems.length === 0 && order(documented.keys()) !== order(declared.keys())) problems.push(`The ${what} rows are not in the machine's order: ${order(declared.keys())}.`);
  return problems;
}

/** Everything that differs between a machine and its docs page, as sentences; empty when equal. */
function pageProblems(machine: MachineSpec, markdown: string): string[] {
  const states = Object.entries(machine.states).map(([name, state]) => [name, state.role, state.description]);
  const gates = machine.gates.map((gate) => [gate.name, gate.guards.join(', '), gate.description]);
  const modes = machine.failureModes.map((mode) => [mode.name, mode.leadsTo, mode.description, mode.remedy]);
  const problems = [
    ...compareRows('state', ['state', 'role', 'description'], states, tableRows(section(markdown, 'States'))),
    ...compareRows('gate', ['gate', 'guards', 'description'], gates, tableRows(section(markdown, 'Gates'))),
    ...compareRows('failure mode', ['failure mode', 'leads to', 'description', 'remedy'], modes, tableRows(section(markdown, 'Failure modes'))),
  ];
  const listed = section(markdown, 'Transitions').split('\n').filter((line) => line.startsWith('- '));
  const documented = new Map(listed.map((line) => {
    const [from = '', to = ''] = line.slice(2).split('→');
    return [from.replaceAll('`', '').trim(), [...to.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(', ')];
  }));
  for (const [from, to] of Object.entries(machine.transitions as Record<string, readonly string[]>)) {
    const doc = documented.get(from);
    if (doc === undefined) problems.push(`The transitions from "${from}" are missing from the docs.`);
    else if (doc !== to.join(', ')) problems.push(`The transitions from "${from}": the docs say "${doc}", the machine says "${to.join(', ')}".`);
  }
  for (const from of documented.keys()) if (!Object.hasOwn(machine.states, from)) problems.push(`The docs list transitions from "${from}", which is not a state.`);
  return problems;
}

const fix = 'Run `npx tsc --build && node scripts/gen-operation-docs.mjs` to regenerate the docs from the machines.';
const docsDir = join(repoRoot(), 'docs', 'operations');

describe('docs/operations', () => {
  for (const kind of operationKinds) {
    it(`${kind}.md lists exactly the ${kind} machine's states, transitions, gates and failure modes`, () => {
      const path = join(docsDir, `${kind}.md`);
      assert.ok(existsSync(path), `docs/operations/${kind}.md is missing. ${fix}`);
      const problems = pageProblems(machines[kind], readFileSync(path, 'utf8'));
      assert.deepEqual(problems, [], `docs/operations/${kind}.md differs from its machine:\n${problems.join('\n')}\n${fix}`);
    });
  }

  it('has a README linking every page, and no page for a kind that does not exist', () => {
    const readme = readFileSync(join(docsDir, 'README.md'), 'utf8');
    for (const kind of operationKinds) assert.ok(readme.includes(`](${kind}.md)`), `docs/operations/README.md does not link ${kind}.md. ${fix}`);
    const pages = readdirSync(docsDir).filter((name) => name.endsWith('.md') && name !== 'README.md');
    assert.deepEqual(pages.sort(), operationKinds.map((kind) => `${kind}.md`).sort(), 'every page in docs/operations belongs to a machine');
  });

  it('names what differs when a page drifts from its machine', () => {
    const page = readFileSync(join(docsDir, 'deploy.md'), 'utf8');
    const drifted = page
      .replace(/^\| `blocked` .*\n/m, '')
      .replace('| stale artifacts | `blocked` |', '| stale artifacts | `failed` |')
      .replace('- `blocked` → `validating`, `failed`', '- `blocked` → `failed`')
      .replace('| secrets/providers bound |', '| secrets bound |');
    assert.deepEqual(pageProblems(machines.deploy, drifted), [
      'The state "blocked" is declared in the machine but missing from the docs.',
      'The gate "secrets/providers bound" is declared in the machine but missing from the docs.',
      'The gate "secrets bound" is in the docs but not declared in the machine.',
      'The failure mode "stale artifacts": the docs\' leads to is "failed", the machine\'s is "blocked".',
      'The transitions from "blocked": the docs say "failed", the machine says "validating, failed".',
    ]);
  });
});
