// Where the machine's CPU went during a measurement, from /proc. On a shared 2-core machine a
// build or a test suite started by someone else in the middle of a run takes CPU from the proxy
// under test; the runner uses this to see it and measure again, and the proxy's own CPU use says
// whether it was the bottleneck.
import { readFileSync, readdirSync } from 'node:fs';
import { runningGroups } from './children.mjs';
import { LOAD_CPU, PROXY_CPU } from './layout.mjs';

/** utime, stime, cutime, cstime and the process group of one process, or undefined if it is gone. */
function processStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pgid: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]), childTicks: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/**
 * Time each core spent running processes (user, nice, system), index 0 for the whole machine and
 * 1 + n for core n. Interrupt and softirq time is left out: loopback networking is accounted there
 * and to no process, so counting it would make the run's own traffic look like someone else's.
 * `steal` is time the hypervisor ran another guest while this one had work: on a shared VM it
 * slows every process of the run without showing up as anyone's CPU.
 */
function ticksPerCore() {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('cpu'))
    .map((line) => {
      const [user, nice, system, idle, , , , steal] = line.trim().split(/\s+/).slice(1).map(Number);
      return { busy: user + nice + system, idle, steal: steal ?? 0 };
    });
}

/**
 * CPU ticks (USER_HZ) used so far by the machine and each core, by this process with the children
 * it has reaped (finished load generators), and by each process group in `groups` (the servers
 * this run started; nginx's master and worker share one group).
 */
export function cpuSnapshot(groups) {
  const wanted = new Set(groups);
  const byGroup = new Map(groups.map((pgid) => [pgid, 0]));
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue;
    const stat = processStat(name);
    if (stat !== undefined && wanted.has(stat.pgid)) byGroup.set(stat.pgid, byGroup.get(stat.pgid) + stat.ticks);
  }
  const self = processStat(process.pid);
  return { at: performance.now(), cores: ticksPerCore(), self: self ? self.ticks + self.childTicks : 0, byGroup };
}

/**
 * Cores used between two snapshots: by each group, and by work that is not the run's, on the
 * whole machine and on each of the two cores the run is laid out on. The proxy (`proxyGroup`) is
 * pinned alone on `proxyCpu`; everything else of the run (the upstream, the load generator, this
 * runner) is counted against `loadCpu`. `stolenCores` is the hypervisor's steal over both cores.
 */
export function cpuBetween(before, after, { proxyGroup, proxyCpu, loadCpu } = {}) {
  const seconds = (after.at - before.at) / 1000;
  const hz = 100;
  const cores = (ticks) => (seconds > 0 ? ticks / hz / seconds : 0);
  const busy = (index) => (after.cores[index]?.busy ?? 0) - (before.cores[index]?.busy ?? 0);
  const idle = (index) => (after.cores[index]?.idle ?? 0) - (before.cores[index]?.idle ?? 0);
  const steal = (index) => (after.cores[index]?.steal ?? 0) - (before.cores[index]?.steal ?? 0);
  let ours = after.self - before.self;
  let proxy = 0;
  const groups = new Map();
  for (const [pgid, ticks] of after.byGroup) {
    const used = Math.max(0, ticks - (before.byGroup.get(pgid) ?? 0));
    groups.set(pgid, cores(used));
    ours += used;
    if (pgid === proxyGroup) proxy = used;
  }
  const other = (ticks) => Math.max(0, cores(ticks));
  return {
    otherCores: other(busy(0) - ours),
    otherOnProxyCore: proxyCpu === undefined ? undefined : other(busy(proxyCpu + 1) - proxy),
    otherOnLoadCore: loadCpu === undefined ? undefined : other(busy(loadCpu + 1) - (ours - proxy)),
    idleOnLoadCore: loadCpu === undefined ? undefined : cores(idle(loadCpu + 1)),
    stolenCores: other(steal(0)),
    groupCores: groups,
  };
}

/**
 * The CPU other work took from a measurement, in cores. Anything on the proxy's core counts (the
 * proxy is alone there). On the core of the upstream and the load generator, other work only took
 * from them if that core had no idle time left: otherwise it ran in time they did not need. Time
 * the hypervisor stole from either core counts too: it slows the run as another process would.
 */
function disturbanceOf(cpu, pinned, isProxy) {
  if (!pinned) return Math.max(cpu.otherCores, cpu.stolenCores);
  const onLoadCore = cpu.idleOnLoadCore < 0.05 ? cpu.otherOnLoadCore : 0;
  return Math.max(isProxy ? cpu.otherOnProxyCore : 0, onLoadCore, cpu.stolenCores);
}

/**
 * The disturbance of a measurement of several edges sharing the edge core (`edgeCores`: the CPU
 * of the ones `cpuBetween` did not take as the proxy): other work on that core when pinned, on the
 * whole machine when not, or the hypervisor's steal if more.
 */
export function edgeCoreDisturbance(cpu, pinned, edgeCores = 0) {
  return Math.max(pinned ? Math.max(0, cpu.otherOnProxyCore - edgeCores) : cpu.otherCores, cpu.stolenCores);
}

/**
 * Runs `work` (one load run) and returns its result with what the CPU did meanwhile: `cores`, the
 * cores process group `server` used (about 1.0: it was the bottleneck), and `disturbance` and
 * `otherCores`, the CPU other work took from the run and from the whole machine. `isProxy` says
 * the server is the proxy, alone on its core; otherwise it is the upstream, on the load core.
 */
export async function measureCpu({ server, isProxy, pinned }, work) {
  const groups = runningGroups();
  const before = cpuSnapshot(groups);
  const result = await work();
  const cpu = cpuBetween(before, cpuSnapshot(groups), { proxyGroup: isProxy ? server : undefined, proxyCpu: PROXY_CPU, loadCpu: LOAD_CPU });
  return { result, cores: cpu.groupCores.get(server) ?? 0, disturbance: disturbanceOf(cpu, pinned, isProxy), otherCores: cpu.otherCores };
}
