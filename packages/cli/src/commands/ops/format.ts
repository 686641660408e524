import { machineFor } from '@berth/core';
import type { GateRecord, Operation, OperationEvent } from '../../api-types.js';
import { failureStates, styleState, type Style } from '../../output/style.js';
import { renderTable, summarizeEvidence } from '../../output/table.js';
import { isoTime } from '../../output/time.js';

/**
 * How operations read for people, shared by `ops list`, `ops show` and `ops watch`: the same
 * words for a transition, a gate and an outcome wherever they appear.
 */

/** A success is a terminal state that is not a failure: verified, healthy, preview_ready, ... */
export function isSuccess(op: { state: string; role: string }): boolean {
  return op.role === 'terminal' && !failureStates.has(op.state);
}

/** "classified → dry_run" for a transition, "→ classified" for the creation, "-" for a note. */
export function movement(event: OperationEvent): string {
  if (event.from && event.to && event.from !== event.to) return `${event.from} → ${event.to}`;
  if (!event.from && event.to) return `→ ${event.to}`;
  return event.type === 'transition' ? (event.to ?? '-') : `(${event.type})`;
}

/** One line of a live timeline: `#3  2026-01-01T10:00:00.000Z  classified → dry_run  The sentence.  (actor)`. */
export function eventLine(event: OperationEvent, style: Style): string {
  const move = event.type === 'transition' || event.type === 'created' ? style.bold(movement(event)) : style.dim(movement(event));
  return `#${event.seq}  ${style.dim(isoTime(event.at))}  ${move}  ${event.sentence}  ${style.dim(`(${event.actor})`)}`;
}

export function timelineTable(events: readonly OperationEvent[], style: Style): string {
  return renderTable(events, [
    { header: 'SEQ', value: (e) => e.seq, align: 'right' },
    { header: 'TIME', value: (e) => isoTime(e.at) },
    { header: 'FROM → TO', value: (e) => movement(e) },
    { header: 'SENTENCE', value: (e) => e.sentence },
    { header: 'ACTOR', value: (e) => e.actor },
  ], style);
}

export interface GateRow {
  name: string;
  record: GateRecord | undefined;
  guards: string;
}

/** Every gate of the operation's machine in its declared order, checked or not, then any other recorded gate. */
export function gateRows(op: Pick<Operation, 'kind' | 'gates'>): GateRow[] {
  const declared = machineFor(op.kind)?.gates ?? [];
  const rows: GateRow[] = declared.map((gate) => ({ name: gate.name, record: op.gates[gate.name], guards: gate.guards.join(', ') }));
  for (const [name, record] of Object.entries(op.gates)) if (!declared.some((gate) => gate.name === name)) rows.push({ name, record, guards: '' });
  return rows;
}

export function gatesTable(op: Operation, style: Style): string {
  const paint = (status: string) => (status === 'pass' ? style.green(status) : status === 'fail' ? style.red(status) : style.yellow(status));
  return renderTable(gateRows(op), [
    { header: 'GATE', value: (g) => g.name },
    { header: 'GUARDS', value: (g) => g.guards },
    { header: 'STATUS', value: (g) => g.record?.status ?? 'not checked', paint: (text, g) => (g.record ? paint(text) : style.dim(text)) },
    { header: 'AT', value: (g) => isoTime(g.record?.at) },
    { header: 'EVIDENCE', value: (g) => (g.record ? summarizeEvidence(g.record.evidence) : '-') },
  ], style);
}

/** "verified (terminal)" with the state coloured by what it means. */
export function stateWithRole(op: { state: string; role: string }, style: Style): string {
  return `${styleState(style, op.state, op.role)} (${op.role})`;
}

/** The closing sentence of `ops watch` and the headline of a finished operation. */
export function outcomeSentence(op: Operation, style: Style): string {
  if (isSuccess(op)) return style.green(`Operation ${op.id} ended in ${op.state}.`);
  const mode = op.failureMode ? ` (failure mode: ${op.failureMode})` : '';
  const reason = op.reason ? `: ${op.reason}` : '.';
  if (op.role === 'terminal') return style.red(`Operation ${op.id} ended in ${op.state}${mode}${reason}`);
  return style.yellow(`Operation ${op.id} rests in ${op.state}${mode}${reason}`) + `\nIt waits for a person; see \`berth ops show ${op.id}\`.`;
}
