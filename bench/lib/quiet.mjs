// Other work on the machine (a build, a test suite) skews a benchmark more than anything the
// benchmark does itself. Before each measurement the runner waits, within a limit, until the
// machine is quiet: the benchmark's own servers are idle between measurements, so any CPU busy
// then is someone else's.
import { readFileSync } from 'node:fs';

function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { idle, total };
}

/** Fraction of the machine's CPU (0..1, all cores) busy over the next `ms`. */
export async function busyFraction(ms = 500) {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  const total = after.total - before.total;
  return total === 0 ? 0 : 1 - (after.idle - before.idle) / total;
}

/**
 * Waits until less than `threshold` of the machine is busy, for at most `maxWaitMs`. Returns the
 * busy fraction last seen, so a result can say it was measured on a busy machine.
 */
export async function waitForQuiet({ threshold = 0.1, maxWaitMs = 120_000, onWait } = {}) {
  const deadline = Date.now() + maxWaitMs;
  let busy = await busyFraction();
  let told = false;
  while (busy >= threshold && Date.now() < deadline) {
    if (!told) onWait?.(busy);
    told = true;
    busy = await busyFraction(1_000);
  }
  return busy;
}
