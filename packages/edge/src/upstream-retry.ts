import type { Exchange } from './exchange.js';
import { isConnectionFailure } from './proxy-errors.js';
import type { Target } from './route-table.js';

/**
 * The one retry: only a GET or HEAD without a body, only on its first attempt, only when the
 * connection failed before any response byte. A POST is never sent twice (DESIGN rule 5). It goes
 * to another target of the same route; with a single target, only a connection that had been
 * established (a kept-alive socket the app closed at that moment, `sameTargetAllowed`) earns a
 * second try on the same allocation, over a fresh connection.
 */
export function retryTargetFor(exchange: Exchange, error: unknown, sameTargetAllowed: boolean): Target | undefined {
  const method = exchange.req.method;
  if (exchange.attempts !== 1 || exchange.hasBody || (method !== 'GET' && method !== 'HEAD')) return undefined;
  if (!isConnectionFailure(error) || exchange.route === undefined) return undefined;
  const other = exchange.edge.balancer.pick(exchange.route, undefined, exchange.target);
  if (other !== undefined) return other;
  return sameTargetAllowed ? exchange.target : undefined;
}
