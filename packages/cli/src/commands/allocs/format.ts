import type { Allocation } from '../../api-types.js';
import { styleState, type Style } from '../../output/style.js';

/**
 * How runtime things read for people, shared by `allocs`, `hosts` and `logs`: short ids, sizes
 * in binary units (what memory limits are written in) and an allocation's state with its cause.
 */

/**
 * The last 8 characters of an id: its random part. The first characters of an id are its creation
 * time, so allocations placed together share them and only the tail tells them apart.
 */
export function shortId(id: string | null | undefined): string | null {
  if (!id) return null;
  return id.length > 8 ? id.slice(-8) : id;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "512 MiB", "1.5 GiB": bytes in the unit that keeps the number below 1024. */
export function formatBytes(bytes: number | null | undefined): string | null {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return null;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // Whole numbers stay whole (512 MiB); others keep one decimal (1.5 GiB).
  const text = unit === 0 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** "12.5%" from the runner's last sample, or null before the first one. */
export function cpuCell(a: Pick<Allocation, 'stats'>): string | null {
  return a.stats ? `${a.stats.cpuPercent.toFixed(1)}%` : null;
}

/** "120 MiB / 512 MiB": resident memory from the last sample against the limit. */
export function memoryCell(a: Pick<Allocation, 'stats' | 'memoryBytes'>): string | null {
  return a.stats ? `${formatBytes(a.stats.memoryBytes)} / ${formatBytes(a.memoryBytes)}` : `- / ${formatBytes(a.memoryBytes)}`;
}

export function addressCell(a: Pick<Allocation, 'address'>): string | null {
  return a.address ? `${a.address.host}:${a.address.port}` : null;
}

/** "failed (OOM)": a failed allocation carries its failure mode, so a glance says why. */
export function allocationState(a: Pick<Allocation, 'state' | 'failureMode'>): string {
  return a.failureMode ? `${a.state} (${a.failureMode})` : a.state;
}

/** The state cell with the state word coloured by what it means (red for failed). */
export function paintAllocationState(style: Style, text: string, a: Pick<Allocation, 'state' | 'role'>): string {
  return text.replace(a.state, styleState(style, a.state, a.role));
}
