// Small statistics for benchmark rounds.

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

/** Median, minimum, maximum and sum of each metric a peer reported across rounds. */
export function summarize(rounds) {
  const out = {};
  const names = new Set(rounds.flatMap((round) => Object.keys(round)));
  for (const name of names) {
    const values = rounds.map((round) => round[name]).filter((value) => typeof value === 'number' && Number.isFinite(value));
    out[name] = { median: median(values), min: Math.min(...values), max: Math.max(...values), sum: sum(values), values };
  }
  return out;
}

/**
 * How `metric` of peer `a` compares to peer `b`: the median over rounds of a/b within each round
 * (the targets use it: a round measures peers minutes apart at most, so a slow drift of the
 * machine's speed cancels out), and the ratio of the two medians.
 * @returns {{ value: number, ofMedians: number } | undefined}
 */
export function ratioOf(summaries, a, b, metric = 'rps') {
  const top = summaries[a]?.[metric];
  const bottom = summaries[b]?.[metric];
  if (top === undefined || bottom === undefined || top.values.length !== bottom.values.length || !bottom.median) return undefined;
  return { value: median(top.values.map((value, round) => value / bottom.values[round])), ofMedians: top.median / bottom.median };
}
