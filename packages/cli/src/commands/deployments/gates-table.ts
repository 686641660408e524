import type { Deployment } from '../../api-types.js';
import type { Style } from '../../output/style.js';
import { renderTable } from '../../output/table.js';
import { isoTime } from '../../output/time.js';
import { gateSummary } from '../deploy/outcome.js';
import { gateRows } from '../ops/format.js';

/**
 * A deploy's four gates in the machine's order, checked or not. The evidence column is the one
 * line a person acts on (the missing secrets, the changed files), not the raw evidence object.
 */
export function deploymentGatesTable(d: Deployment, style: Style): string {
  const paint = (status: string) => (status === 'pass' ? style.green(status) : status === 'fail' ? style.red(status) : style.yellow(status));
  return renderTable(gateRows({ kind: 'deploy', gates: d.gates }), [
    { header: 'GATE', value: (g) => g.name },
    { header: 'STATUS', value: (g) => g.record?.status ?? 'not checked', paint: (text, g) => (g.record ? paint(text) : style.dim(text)) },
    { header: 'AT', value: (g) => isoTime(g.record?.at) },
    { header: 'EVIDENCE', value: (g) => (g.record ? gateSummary(g.record) : '-') },
  ], style);
}
