import type { FeedJournal } from './feed-journal.js';
import type { RouteState } from './route-state.js';

/**
 * Loads the route feed kept on disk into the state, verifying everything again with the public
 * key: the snapshot, then each event in order until one does not apply (a torn line, a document
 * that does not verify). Returns the sequence reached, or undefined when there was nothing usable.
 * The journal is then rewritten with exactly what applied, so later appends never follow junk.
 */
export async function restoreJournal(state: RouteState, journal: FeedJournal, log: (line: string) => void): Promise<number | undefined> {
  const content = await journal.load();
  if (content === undefined) return undefined;
  const snapshot = state.acceptSnapshot(content.snapshot);
  if (!snapshot.ok) {
    log(`route feed: the snapshot kept on disk is refused (${snapshot.incident.kind}: ${snapshot.incident.detail}); waiting for a fresh one`);
    return undefined;
  }
  journal.saveSnapshot(content.snapshot);
  let dropped = 0;
  for (const [index, document] of content.events.entries()) {
    const outcome = state.acceptEvent(document);
    if (outcome.kind === 'applied') journal.append(document);
    else if (outcome.kind !== 'duplicate') {
      dropped = content.events.length - index;
      break;
    }
  }
  if (dropped > 0) log(`route feed: dropped ${dropped} event(s) kept on disk after seq ${state.appliedSeq} that did not apply; the feed delivers them again`);
  return state.appliedSeq;
}
