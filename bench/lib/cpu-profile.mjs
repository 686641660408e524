// Reading V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per file.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Self time in microseconds per function ("name file:line") and per file, idle time left out.
 * @returns {{ busyUs: number, idleUs: number, byFunction: Map<string, number>, byFile: Map<string, number> }}
 */
export function selfTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map();
  const byFile = new Map();
  let busyUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = nodes.get(profile.samples[i]).callFrame;
    // A sample's time is the gap to the next one; the last sample has none.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const at = where(frame);
    const name = `${frame.functionName || '(anonymous)'} ${at}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const fileKey = frame.url === '' ? frame.functionName : at.replace(/:\d+$/, '');
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  return { busyUs, idleUs, byFunction, byFile };
}

function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return '';
  return `${url.startsWith('/') ? relative(process.cwd(), url) : url}:${frame.lineNumber + 1}`;
}

/** The `top` largest entries of a map, largest first. */
export function largest(map, top) {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
}
