// How the propagation benchmark reads its probe: when the edge first served each new route owner,
// and whether any response came from an epoch older than one the edge had already served.
//
// The control plane records, for each compare-and-swap k, the monotonic time just after its
// commit (C_k) and the owner it installed (o_k; the owner moves round three upstreams in turn).
// Every probe response has its send (S) and receive (R) times on the same clock and the upstream
// that answered.
//
//   - F_k, when the edge first served epoch k: the earliest R >= C_k of a response by o_k to a
//     request sent once the edge had served epoch k - 1 (from then on o_k can only be epoch k or
//     later, or an older epoch, which is a violation either way). Propagation delay = F_k - C_k.
//     Three owners, not two: with two, o_{k+1} = o_{k-1}, and an edge more than one change late
//     (still serving k - 1 after C_{k+1}) would be taken for one serving k + 1, and its late
//     answers for epoch k then for answers from an older epoch.
//   - A response is from an epoch the edge may still serve when its owner is that of some epoch j
//     with j >= the last epoch the edge had served before S (F_j <= S) and C_j <= R (committed
//     before the answer came back). Anything else is a violation: an older owner answering a
//     request sent after the edge served a newer one.
//   - A change whose new owner never answered before the next change is `missed`.

/**
 * @param {{ initialOwner: string, changes: Array<{ owner: string, committedUs: number }>, responses: Array<{ sentUs: number, recvUs: number, owner: string, status: number }> }} run
 * @returns {{ delaysMs: number[], missed: number, violations: number, failed: number, answered: number }}
 */
export function judgePropagation({ initialOwner, changes, responses }) {
  const byReceive = responses.filter((r) => r.status === 200).toSorted((a, b) => a.recvUs - b.recvUs);
  // Epoch 0 is the owner before the first change: served since before the run.
  const epochs = [{ owner: initialOwner, committedUs: -Infinity, firstServedUs: -Infinity }, ...changes.map((c) => ({ ...c, firstServedUs: undefined }))];
  const delaysMs = [];
  let missed = 0;
  for (let k = 1; k < epochs.length; k++) {
    const epoch = epochs[k];
    const next = epochs[k + 1]?.committedUs ?? Infinity;
    const sentAfter = epochs[k - 1].firstServedUs ?? epoch.committedUs;
    const first = byReceive.find((r) => r.recvUs >= epoch.committedUs && r.recvUs < next && r.owner === epoch.owner && r.sentUs >= sentAfter);
    if (first === undefined) {
      missed++;
      continue;
    }
    epoch.firstServedUs = first.recvUs;
    delaysMs.push((first.recvUs - epoch.committedUs) / 1000);
  }
  let violations = 0;
  for (const response of byReceive) {
    let served = 0;
    for (let k = 0; k < epochs.length; k++) if (epochs[k].firstServedUs !== undefined && epochs[k].firstServedUs <= response.sentUs) served = k;
    let allowed = false;
    for (let j = served; j < epochs.length && epochs[j].committedUs <= response.recvUs; j++) {
      if (epochs[j].owner === response.owner) {
        allowed = true;
        break;
      }
    }
    if (!allowed) violations++;
  }
  return { delaysMs, missed, violations, failed: responses.length - byReceive.length, answered: responses.length };
}
