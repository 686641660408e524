import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError, type ErrorCode } from '../errors/index.js';
import { decide, gatesGuarding, type OperationPosition } from './decide.js';
import type { GateResult, GateStatus, MachineSpec } from './machine.js';
import { machines, operationKinds } from './machines/index.js';

// These tests drive decide() through every machine's table, so a new machine or a changed table is
// covered without a new test: every legal path, every illegal edge, every gate and failure mode.

const statesOf = (machine: MachineSpec) => Object.keys(machine.states);
const next = (machine: MachineSpec, state: string) => (machine.transitions as Record<string, readonly string[]>)[state] ?? [];
const pass = (gates: readonly string[]): GateResult[] => gates.map((gate) => ({ gate, status: 'pass', evidence: { test: true } }));
const allPassing = (machine: MachineSpec) => pass(machine.gates.map((gate) => gate.name));
const position = (state: string, gates: Record<string, GateStatus> = {}): OperationPosition => Object.freeze({ state, gates: Object.freeze({ ...gates }) });

/** An assert.throws matcher for a BerthError with `code`; `also` checks the error further. */
function refusal(code: ErrorCode, also: (error: BerthError) => void = () => {}) {
  return (error: unknown) => {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    also(error);
    return true;
  };
}

/**
 * Every path from the initial state to a terminal state. A path uses each transition at most once,
 * so a cycle (blocked → validating → blocked) is walked once and the search ends.
 */
function pathsToTerminal(machine: MachineSpec): string[][] {
  const paths: string[][] = [];
  const walk = (path: string[], used: Set<string>) => {
    const here = path[path.length - 1] as string;
    if (machine.states[here]?.role === 'terminal') return void paths.push(path);
    for (const to of next(machine, here)) {
      const edge = `${here}→${to}`;
      if (!used.has(edge)) walk([...path, to], new Set([...used, edge]));
    }
  };
  walk([machine.initial], new Set());
  return paths;
}

for (const kind of operationKinds) {
  const machine: MachineSpec = machines[kind];
  const states = statesOf(machine);
  const nonTerminal = states.filter((state) => machine.states[state]?.role !== 'terminal');

  describe(`decide() on the ${kind} machine`, () => {
    it('accepts every step of every legal path to every terminal state, and the paths cover every transition', () => {
      const paths = pathsToTerminal(machine);
      const walked = new Set<string>();
      for (const path of paths) {
        let at = position(machine.initial);
        for (const to of path.slice(1)) {
          const decision = decide(machine, at, { to, gates: pass(gatesGuarding(machine, to)) });
          assert.equal(decision.to, to, `${path.join(' → ')}: expected to reach "${to}"`);
          assert.equal(decision.failureMode, undefined);
          walked.add(`${at.state}→${to}`);
          at = position(to, { ...decision.gates });
        }
        assert.equal(machine.states[at.state]?.role, 'terminal', `${path.join(' → ')} should end in a terminal state`);
      }
      const edges = states.flatMap((from) => next(machine, from).map((to) => `${from}→${to}`));
      assert.deepEqual([...walked].sort(), edges.sort(), 'every transition lies on some walked path');
      const ends = new Set(paths.map((path) => path[path.length - 1]));
      assert.deepEqual([...ends].sort(), states.filter((s) => machine.states[s]?.role === 'terminal').sort());
    });

    it('refuses every ordered pair of states that the table does not list, terminal states included', () => {
      let refused = 0;
      for (const from of states) {
        for (const to of states.filter((to) => !next(machine, from).includes(to))) {
          const gates = Object.fromEntries(machine.gates.map((gate) => [gate.name, 'pass' as const]));
          assert.throws(() => decide(machine, position(from, gates), { to, gates: allPassing(machine) }), refusal('illegal_transition'), `${from} → ${to}`);
          refused += 1;
        }
      }
      const legal = states.reduce((sum, from) => sum + next(machine, from).length, 0);
      assert.equal(refused, states.length * states.length - legal);
    });

    it('refuses a guarded state while any gate guarding it is pending, failing or unrecorded, and accepts it once all pass', () => {
      for (const from of nonTerminal) {
        for (const to of next(machine, from).filter((to) => gatesGuarding(machine, to).length > 0)) {
          const guards = gatesGuarding(machine, to);
          for (const gate of guards) {
            for (const status of ['pending', 'fail', undefined] as const) {
              const others = Object.fromEntries(guards.filter((g) => g !== gate).map((g) => [g, 'pass' as const]));
              const recorded = status === undefined ? others : { ...others, [gate]: status };
              const names = (error: BerthError) => assert.deepEqual(error.details?.['unmet'], [{ gate, status: status ?? null }]);
              assert.throws(() => decide(machine, position(from, recorded), { to }), refusal('gate_not_passed', names), `${from} → ${to} with "${gate}" ${status ?? 'unrecorded'}`);
            }
            // A result sent with the proposal overrides an earlier pass.
            const stale = { gate, status: 'fail' as const, evidence: {} };
            assert.throws(() => decide(machine, position(from), { to, gates: [...pass(guards), stale] }), refusal('gate_not_passed'));
          }
          assert.equal(decide(machine, position(from), { to, gates: pass(guards) }).to, to);
          const recorded = Object.fromEntries(guards.map((g) => [g, 'pass' as const]));
          assert.equal(decide(machine, position(from, recorded), { to }).to, to, 'gates recorded earlier count');
        }
      }
    });

    it('moves every failure mode to the state it leads to from every state where that move is legal, whatever the gates say', () => {
      for (const mode of machine.failureModes) {
        let recorded = 0;
        for (const from of states) {
          const failing = Object.fromEntries(machine.gates.map((gate) => [gate.name, 'fail' as const]));
          const propose = () => decide(machine, position(from, failing), { failureMode: mode.name });
          if (machine.states[from]?.role === 'terminal' || !next(machine, from).includes(mode.leadsTo)) {
            assert.throws(propose, refusal('illegal_transition'), `"${mode.name}" from ${from}`);
            continue;
          }
          const decision = propose();
          assert.equal(decision.to, mode.leadsTo);
          assert.equal(decision.failureMode?.name, mode.name);
          assert.equal(decide(machine, position(from), { failureMode: mode.name, to: mode.leadsTo }).to, mode.leadsTo);
          const elsewhere = states.find((state) => state !== mode.leadsTo) as string;
          assert.throws(() => decide(machine, position(from), { failureMode: mode.name, to: elsewhere }), refusal('illegal_transition'));
          recorded += 1;
        }
        assert.ok(recorded > 0, `"${mode.name}" can be recorded from some state`);
      }
    });

    it('refuses an unknown gate, failure mode, state, or a proposal naming neither target nor failure mode', () => {
      const from = machine.initial;
      const to = next(machine, from)[0] as string;
      const unknownGate = { gate: 'no such gate', status: 'pass' as const, evidence: {} };
      assert.throws(() => decide(machine, position(from), { to, gates: [...pass(gatesGuarding(machine, to)), unknownGate] }), refusal('illegal_transition'));
      assert.throws(() => decide(machine, position(from), { failureMode: 'no such failure mode' }), refusal('illegal_transition'));
      assert.throws(() => decide(machine, position(from), { to: 'no_such_state' }), refusal('illegal_transition'));
      assert.throws(() => decide(machine, position('no_such_state'), { to }), refusal('illegal_transition'));
      assert.throws(() => decide(machine, position(from), {}), refusal('illegal_transition'));
    });
  });
}
