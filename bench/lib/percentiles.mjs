// Percentiles of a benchmark's samples (the nearest-rank definition the latency client uses: with
// 20 samples p99 is the largest one).

/** The p-th percentile (0..100) of `values`, or undefined for none. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** p50, p90, p99 and max of `values`. */
export function spread(values) {
  return { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: values.length ? Math.max(...values) : undefined };
}

/**
 * How `metric` of peer `a` exceeds peer `b`, in the metric's unit, the way `ratioOf` compares
 * peers: the median over rounds of a - b within each round (what the targets use), and the
 * difference of the two medians (the `ofMedians` the report prints in brackets).
 * @returns {{ value: number, ofMedians: number } | undefined}
 */
export function differenceOf(summaries, a, b, metric) {
  const top = summaries[a]?.[metric];
  const bottom = summaries[b]?.[metric];
  if (top === undefined || bottom === undefined || top.values.length === 0 || top.values.length !== bottom.values.length) return undefined;
  const perRound = top.values.map((value, round) => value - bottom.values[round]).toSorted((x, y) => x - y);
  const middle = Math.floor(perRound.length / 2);
  const value = perRound.length % 2 === 1 ? perRound[middle] : (perRound[middle - 1] + perRound[middle]) / 2;
  return { value, ofMedians: top.median - bottom.median };
}
