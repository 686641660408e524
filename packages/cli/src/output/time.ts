/**
 * Times as people read them: "3m ago" in tables, where a glance is enough, and the full ISO
 * instant in show views, where someone may copy it into a log search.
 */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  const ahead = seconds < 0;
  const s = Math.abs(seconds);
  if (s < 5) return 'just now';
  const amount = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : s < 30 * 86_400 ? `${Math.floor(s / 86_400)}d` : undefined;
  if (amount === undefined) return new Date(then).toISOString().slice(0, 10);
  return ahead ? `in ${amount}` : `${amount} ago`;
}

/** The ISO instant, or "-" when there is none. */
export function isoTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : new Date(then).toISOString();
}

/** "2026-01-01T10:00:00.000Z (3m ago)": both, for the headline times of a show view. */
export function isoAndRelative(iso: string | null | undefined, now: number): string {
  return iso ? `${isoTime(iso)} (${relativeTime(iso, now)})` : '-';
}
