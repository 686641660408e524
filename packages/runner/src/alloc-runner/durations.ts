/**
 * A duration as the timeline says it: "500 ms", "2 s", "1.5 s". Sentences in an allocation's
 * timeline are read by people deciding what to do, so they say "killed at the 2 s deadline",
 * never "killed at 2000".
 */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
