import type { Deployment, GateRecord } from '../../api-types.js';
import type { CommandContext } from '../../command.js';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.js';
import type { Style } from '../../output/style.js';

/**
 * The end of `berth deploy` (and of watch, approve, retry): what came out and what to do next.
 * A preview prints its URL, digest and commit; a failure its failure mode and reason (often the
 * build's last lines); a blocked deploy the gate that stopped it and the exact commands that move
 * it on. Exit 0 only for preview_ready. Under --json the final deployment is the one document.
 */

/** Failure modes that a person's approval lifts (the API refuses approval for anything else). */
export const approvableFailureModes: ReadonlySet<string> = new Set(['cold deploy needs approval', 'migration blocks preview']);

const indent = (text: string) => text.split('\n').map((line) => `  ${line}`).join('\n');

/** The first 12 hex digits of a digest or commit: enough to tell two apart at a glance. */
export function shortHash(value: string | null | undefined): string | null {
  if (!value) return null;
  return value.replace(/^sha256:/, '').slice(0, 12);
}

/** One line of a gate's evidence that a person can act on: what is missing, else the reason. */
export function gateSummary(record: GateRecord): string {
  const evidence = record.evidence ?? {};
  const missing = evidence.missing;
  if (Array.isArray(missing) && missing.length > 0) return `missing ${missing.join(', ')}`;
  const changed = evidence.changed;
  if (Array.isArray(changed) && changed.length > 0) return `changed ${changed.join(', ')}`;
  if (typeof evidence.reason === 'string') return evidence.reason;
  return Object.keys(evidence).length > 0 ? JSON.stringify(evidence) : '-';
}

export function failedGates(d: Deployment): Array<[string, GateRecord]> {
  return Object.entries(d.gates).filter(([, record]) => record.status === 'fail');
}

/** `--app shop` and, for another environment than production, `--env staging`. */
function target(d: Deployment): string {
  return `--app ${d.app}${d.environment === 'production' ? '' : ` --env ${d.environment}`}`;
}

/** The commands that move a blocked deploy on, most specific first. */
export function nextCommands(d: Deployment): string[] {
  const missing = failedGates(d).flatMap(([, record]) => (Array.isArray(record.evidence.missing) ? (record.evidence.missing as string[]) : []));
  const next: string[] = [];
  if (missing.length > 0) next.push(`berth secrets set ${missing.map((name) => `${name}=...`).join(' ')} ${target(d)} && berth deploy retry ${d.id}`);
  if (d.failureMode && approvableFailureModes.has(d.failureMode)) next.push(`berth deploy approve ${d.id} --reason "..."`);
  else if (missing.length === 0) next.push(`berth deploy retry ${d.id}    (once the cause is fixed)`);
  next.push(`berth deploy abandon ${d.id}`);
  return next;
}

function describe(d: Deployment, style: Style): string {
  const mode = d.failureMode ? ` (failure mode: ${d.failureMode})` : '';
  if (d.state === 'preview_ready') {
    const lines = [style.green(`✓ Preview ready: ${d.previewUrl ?? d.previewHost ?? '-'}`), `  deployment  ${d.id}`, `  digest      ${d.digest ?? '-'}`];
    if (d.commit) lines.push(`  commit      ${d.commit}`);
    return lines.join('\n');
  }
  if (d.state === 'failed') {
    const reason = d.reason ? indent(d.reason) : `  See \`berth deployments show ${d.id} --logs\`.`;
    return `${style.red(`✗ Deploy ${d.id} failed${mode}:`)}\n${reason}`;
  }
  if (d.state === 'blocked') {
    const lines = [style.yellow(`! Deploy ${d.id} is blocked${mode}; it waits for you.`)];
    // Without a failure mode the reason already is the failing gates, each with its evidence.
    if (d.failureMode || !d.reason) for (const [name, record] of failedGates(d)) lines.push(`  gate "${name}" failed: ${gateSummary(record)}`);
    if (d.reason) lines.push(indent(d.reason));
    lines.push('', 'Next:', ...nextCommands(d).map((command) => `  ${command}`));
    return lines.join('\n');
  }
  return `Deploy ${d.id} is ${d.state}; follow it with \`berth deploy watch ${d.id}\`.`;
}

/** Prints the outcome and returns the exit code: 0 for preview_ready, 1 otherwise. */
export function reportOutcome(ctx: CommandContext, d: Deployment): ExitCodeValue {
  ctx.out.result(d, () => describe(d, ctx.out.style));
  return d.state === 'preview_ready' ? ExitCode.ok : ExitCode.operationFailed;
}
