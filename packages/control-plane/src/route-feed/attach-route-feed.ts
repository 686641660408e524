import type { OperationEngine } from '../engine/operation-engine.js';
import type { RouteFeed } from './route-feed.js';
import { targetEventsHook } from './target-events.js';

/**
 * Wires the route feed to the operation engine: allocation transitions append target events in
 * their own transaction (targetEventsHook), and every transition this process commits pokes the
 * feed right after the commit, so an edge hears of it in about a millisecond instead of at the next
 * poll. A route-owner swap inside an engine step is followed by its step's transition, which pokes
 * too; callers outside the engine poke the feed themselves after committing.
 */
export function attachRouteFeed(engine: OperationEngine, feed: RouteFeed): () => void {
  const removeHook = engine.onTransition(targetEventsHook);
  const removeListener = engine.onEvent((event) => {
    if (event.type === 'transition') feed.poke();
  });
  return () => {
    removeHook();
    removeListener();
  };
}
