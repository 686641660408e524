import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineSpec } from './machine.js';
import { machineFor, machines, operationKinds, validateMachine } from './machines/index.js';

/**
 * The state machine gallery of seeds/001, copied by hand from the seed text: titles, states, gates
 * and failure modes in the seed's order and wording. It is written out here rather than read from
 * the machines so that a machine drifting from the seed fails this test. The one deliberate change:
 * the seed writes "Vango" for the hosted app, so its deploy gate "Vango state impact classified" is
 * "live state impact classified" here.
 */
const seed: Record<string, { title: string; states: string[]; gates: string[]; failureModes: string[] }> = {
  deploy: {
    title: 'Deploy Pipeline',
    states: ['queued', 'cloning', 'building', 'validating', 'preview_ready', 'blocked', 'failed'],
    gates: ['generated artifacts current', 'live state impact classified', 'DB impact classified', 'secrets/providers bound'],
    failureModes: ['stale artifacts', 'build digest mismatch', 'cold deploy needs approval', 'migration blocks preview'],
  },
  promotion: {
    title: 'Production Promotion',
    states: ['requested', 'policy_check', 'route_cas', 'edge_propagating', 'healthy', 'rolled_back', 'failed'],
    gates: ['preview artifact exactly matches', 'route epoch predecessor current', 'approval present if required', 'runtime services ready'],
    failureModes: ['late worker report', 'route epoch conflict', 'edge replay gap', 'DB rollback unsafe'],
  },
  wake: {
    title: 'Wake',
    states: ['cold', 'wake_requested', 'starting', 'readiness_wait', 'hot', 'failed', 'sleeping'],
    gates: ['request class safe to hold', 'wake budget available', 'allocation passes readiness', 'unsafe replay policy exists'],
    failureModes: ['payment webhook while cold', 'wake stampede', 'readiness timeout', 'old route epoch'],
  },
  allocation: {
    title: 'Allocation Lifecycle',
    states: ['planned', 'pulling', 'starting', 'ready', 'draining', 'stopped', 'failed'],
    gates: ['artifact digest verified', 'env/secrets mounted', 'health/readiness pass', 'drain deadline respected'],
    failureModes: ['runner crash', 'secret missing', 'OOM', 'session still active at drain deadline'],
  },
  host_drain: {
    title: 'Host Drain / OS Upgrade',
    states: ['cordoned', 'evacuating', 'replacement_ready', 'upgrading', 'postcheck', 'uncordoned'],
    gates: ['quorum remains healthy', 'runner headroom exists', 'active sessions can drain', 'drift checks pass'],
    failureModes: ['no headroom', 'active sessions pinned', 'provider outage', 'runner-agent regression'],
  },
  region_enablement: {
    title: 'Region Enablement',
    states: ['requested', 'provisioning', 'binding_services', 'replicating_artifacts', 'eligible', 'disabled'],
    gates: ['data topology ready', 'runtime services available', 'secrets present', 'residency allowed'],
    failureModes: ['artifact absent', 'DB not replicated', 'session store missing', 'residency policy violation'],
  },
  database_migration: {
    title: 'Database Migration',
    states: ['classified', 'dry_run', 'locked', 'applying', 'verified', 'blocked', 'failed'],
    gates: ['expand/contract safe', 'backup/PITR posture known', 'old artifact compatibility checked', 'rollback plan explicit'],
    failureModes: ['destructive migration', 'old app incompatible', 'preview mutates production', 'manual lock timeout'],
  },
};

describe('the operation machines', () => {
  it('are the seven operations of the seed, each under its own kind', () => {
    assert.deepEqual([...operationKinds].sort(), Object.keys(seed).sort());
    for (const kind of operationKinds) {
      assert.equal(machines[kind].kind, kind);
      assert.equal(machineFor(kind), machines[kind]);
    }
    assert.equal(machineFor('no_such_kind'), undefined);
    assert.equal(machineFor('toString'), undefined, 'an inherited property is not a kind');
  });

  for (const [kind, expected] of Object.entries(seed)) {
    it(`${kind} declares exactly the seed's title, states, gates and failure modes, in its order`, () => {
      const machine = machineFor(kind) as MachineSpec;
      assert.equal(machine.title, expected.title);
      assert.deepEqual(Object.keys(machine.states), expected.states);
      assert.deepEqual(machine.gates.map((gate) => gate.name), expected.gates);
      assert.deepEqual(machine.failureModes.map((mode) => mode.name), expected.failureModes);
      assert.equal(machine.initial, expected.states[0], 'every seed lists the state an operation starts in first');
    });

    it(`${kind} passes validateMachine`, () => {
      assert.deepEqual(validateMachine(machineFor(kind) as MachineSpec), []);
    });
  }
});

/** A small, valid machine that each case below breaks in one way. */
function toy(): { -readonly [K in keyof MachineSpec]: MachineSpec[K] } {
  return {
    kind: 'toy',
    title: 'Toy',
    description: 'A machine for testing the validator.',
    states: {
      start: { role: 'active', description: 'Starts.' },
      waiting: { role: 'resting', description: 'Waits.' },
      done: { role: 'terminal', description: 'Done.' },
      failed: { role: 'terminal', description: 'Failed.' },
    },
    initial: 'start',
    transitions: { start: ['waiting', 'failed'], waiting: ['done', 'failed'], done: [], failed: [] },
    gates: [{ name: 'ok', guards: ['done'], description: 'Fine.' }],
    failureModes: [{ name: 'broke', leadsTo: 'failed', description: 'Broke.', remedy: 'Fix it.' }],
  };
}

describe('validateMachine', () => {
  const problemsWith = (change: (machine: ReturnType<typeof toy>) => void) => {
    const machine = toy();
    change(machine);
    return validateMachine(machine);
  };
  const cases: [string, (machine: ReturnType<typeof toy>) => void, RegExp][] = [
    ['an unknown initial state', (m) => (m.initial = 'nowhere'), /initial state "nowhere" is not a state/],
    ['a terminal initial state', (m) => (m.initial = 'done'), /initial state "done" is terminal/],
    ['a transition to an unknown state', (m) => (m.transitions = { ...m.transitions, start: ['waiting', 'nowhere'] }), /"start" → "nowhere" leads to an unknown state/],
    ['a terminal state with a way out', (m) => (m.transitions = { ...m.transitions, done: ['waiting'] }), /terminal state "done" has outgoing/],
    ['a state with no way out', (m) => (m.transitions = { ...m.transitions, waiting: [] }), /"waiting" has no way out/],
    ['an unreachable state', (m) => (m.transitions = { ...m.transitions, waiting: ['failed'] }), /"done" is unreachable/],
    ['a gate guarding an unknown state', (m) => (m.gates = [{ name: 'ok', guards: ['nowhere'], description: 'Fine.' }]), /guards "nowhere", which is not a state/],
    ['a gate guarding only the initial state', (m) => (m.gates = [{ name: 'ok', guards: ['start'], description: 'Fine.' }]), /guards "start", which no transition enters/],
    ['a failure mode leading to an unknown state', (m) => (m.failureModes = [{ name: 'broke', leadsTo: 'nowhere', description: 'B.', remedy: 'F.' }]), /leads to "nowhere", which is not a state/],
    ['a failure mode no state can record', (m) => (m.failureModes = [{ name: 'broke', leadsTo: 'start', description: 'B.', remedy: 'F.' }]), /"broke" leads to "start", which no transition enters/],
    ['an active state that cannot fail', (m) => (m.transitions = { ...m.transitions, start: ['waiting'] }), /active state "start" cannot record any failure mode/],
    ['a failure mode without a remedy', (m) => (m.failureModes = [{ name: 'broke', leadsTo: 'failed', description: 'B.', remedy: ' ' }]), /needs a description and a remedy/],
    ['a gate declared twice', (m) => (m.gates = [...m.gates, ...m.gates]), /gate "ok" is declared twice/],
  ];

  it('finds no problem in a sound machine', () => assert.deepEqual(validateMachine(toy()), []));
  for (const [name, change, problem] of cases) {
    it(`reports ${name}`, () => {
      const problems = problemsWith(change);
      assert.ok(problems.some((p) => problem.test(p)), `expected a problem matching ${problem}, got ${JSON.stringify(problems)}`);
    });
  }
  it('reports a state from which no terminal state can be reached', () => {
    const problems = problemsWith((m) => {
      m.states = { ...m.states, loop: { role: 'resting', description: 'Loops.' }, loop2: { role: 'resting', description: 'Loops back.' } };
      m.transitions = { ...m.transitions, waiting: ['loop', 'done', 'failed'], loop: ['loop2'], loop2: ['loop'] };
    });
    assert.deepEqual(problems, ['No terminal state can be reached from "loop".', 'No terminal state can be reached from "loop2".']);
  });
});
