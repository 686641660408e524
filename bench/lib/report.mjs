// What a run prints and keeps: a table of medians, the ratios and the targets, and the whole
// result (every round's figures included) as JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The scenario's result as text: one row per peer, one column per metric (median over rounds). */
export function formatResult(scenario, result) {
  const { rounds, durationS } = result.settings;
  const header = ['peer', ...scenario.columns.map((column) => column.label)];
  const rows = scenario.peers.map((peer) => {
    const summary = result.peers[peer.id].summary;
    return [
      peer.label,
      ...scenario.columns.map((column) => {
        const stat = summary[column.metric]?.[column.stat ?? 'median'];
        return stat === undefined ? '-' : stat.toFixed(column.digits ?? 0);
      }),
    ];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [
    `${result.scenario}: ${rounds} rounds x ${durationS} s per peer, interleaved; medians over rounds`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ];
  const ratios = Object.entries(result.ratios);
  if (ratios.length > 0) {
    out.push('', 'ratios (median of the per-round ratios; ratio of the medians in brackets):');
    for (const [name, ratio] of ratios) out.push(`  ${name.padEnd(32)} ${ratio === undefined ? '-' : `${ratio.value.toFixed(2)}  (${ratio.ofMedians.toFixed(2)})`}`);
  }
  out.push('', 'targets:');
  for (const target of result.targets) {
    const value = target.value === undefined ? 'n/a' : Number.isInteger(target.value) ? String(target.value) : target.value.toFixed(2);
    out.push(`  [${target.met ? 'met ' : 'MISS'}] ${target.label} ${target.op} ${target.threshold}: ${value}`);
  }
  return out.join('\n');
}

/** Writes the result to bench/results/<scenario>-<timestamp>.json and returns the path. */
export function writeResult(result, machine, resultsDir) {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const path = join(resultsDir, `${result.scenario}-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify({ ...result, machine }, null, 2)}\n`);
  return path;
}
