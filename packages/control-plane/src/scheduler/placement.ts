/**
 * Placement: which host gets a new allocation. Pure, so it is tested on its own. Never a cordoned
 * or offline host; only hosts with free memory for it and matching the wanted region and labels;
 * spread first (fewest allocations of this environment), then most free memory.
 */
export interface PlacementHost {
  id: string;
  status: 'ready' | 'cordoned' | 'offline';
  connected: boolean;
  region: string;
  labels: Record<string, string>;
  memoryBytes: number;
  /** Memory already promised to live allocations on this host. */
  usedBytes: number;
  /** Live allocations of the environment being placed. */
  sameEnvironment: number;
}

export interface PlacementRequest {
  memoryBytes: number;
  region?: string;
  labels?: Record<string, string>;
}

export type PlacementResult = { hostId: string } | { hostId: null; reason: string };

export function placeAllocation(hosts: readonly PlacementHost[], request: PlacementRequest): PlacementResult {
  const usable = hosts.filter((h) => h.status === 'ready' && h.connected);
  if (usable.length === 0) return { hostId: null, reason: hosts.length === 0 ? 'no runner has joined' : 'no host is ready (all cordoned or offline)' };
  const matching = usable.filter((h) => (!request.region || h.region === request.region) && Object.entries(request.labels ?? {}).every(([k, v]) => h.labels[k] === v));
  if (matching.length === 0) return { hostId: null, reason: `no ready host matches region ${request.region ?? 'any'} and labels ${JSON.stringify(request.labels ?? {})}` };
  const fitting = matching.filter((h) => h.memoryBytes - h.usedBytes >= request.memoryBytes);
  if (fitting.length === 0) return { hostId: null, reason: `no ready host has ${Math.round(request.memoryBytes / 1048576)} MiB of memory free` };
  const best = [...fitting].sort((a, b) => a.sameEnvironment - b.sameEnvironment || (b.memoryBytes - b.usedBytes) - (a.memoryBytes - a.usedBytes) || a.id.localeCompare(b.id))[0]!;
  return { hostId: best.id };
}
