import type { Exchange } from '../exchange.js';
import type { Route } from '../route-table.js';
import type { ReleaseSlot } from '../wake/release-queue.js';
import type { WakeFailure } from '../wake/wake-holds.js';
import type { TrafficDesk } from './traffic-desk.js';

/**
 * Holds an HTTP request until its route has a ready target, then hands it to `proceed` (with the
 * route as it is now). Past its wake budget (counted from `arrivedAt`) it answers 503 `app_waking`; a failed wake answers 503
 * `wake_failed` at once. `dropped` runs whenever the request will not proceed (answered, or its
 * client left), to free what was kept for it.
 */
export function holdExchange(desk: TrafficDesk, exchange: Exchange, arrivedAt: number, bytes: number, proceed: (exchange: Exchange) => void, dropped?: () => void): void {
  const route = exchange.route!;
  const deadline = arrivedAt + (route.wakeBudgetMs ?? desk.defaultWakeBudgetMs);
  exchange.heldSince = arrivedAt;
  const outcome = desk.hold({
    environmentId: route.environmentId,
    hostname: route.hostname,
    bytes,
    paced: true,
    release(current, slot) {
      exchange.hold = undefined;
      if (exchange.clientGone || !continueOn(exchange, current)) {
        slot?.free();
        return dropped?.();
      }
      if (slot !== undefined) freeWhenAnswered(exchange, slot);
      proceed(exchange);
    },
    expire(failure) {
      exchange.hold = undefined;
      dropped?.();
      if (!exchange.clientGone) refuseHeld(exchange, failure);
    },
  }, deadline);
  if (outcome === 'full') {
    dropped?.();
    return exchange.refuse('wake_hold_full');
  }
  if (outcome !== 'released') {
    exchange.hold = {
      cancel() {
        outcome.cancel();
        dropped?.();
      },
    };
  }
}

/** Frees a released request's place in its route's window once its answer is sent (or its client left). */
function freeWhenAnswered(exchange: Exchange, slot: ReleaseSlot): void {
  const free = () => slot.free();
  exchange.res.once('finish', free);
  exchange.res.once('close', free);
}

/** Takes the route a held request wakes up to; answers and returns false when it can no longer be served. */
export function continueOn(exchange: Exchange, current: Route | undefined): boolean {
  if (current === undefined) {
    exchange.refuse('host_not_found');
    return false;
  }
  exchange.route = current;
  if (current.failedClosed === true) {
    exchange.refuse('route_unverified');
    return false;
  }
  if (current.hasProcess === false) {
    exchange.refuse('asset_not_found');
    return false;
  }
  return true;
}

/** The answer to a request the wake did not free in time: the app is still waking, or its wake failed. */
export function refuseHeld(exchange: Exchange, failure: WakeFailure | undefined): void {
  if (failure === undefined) return exchange.refuse('app_waking');
  exchange.refuse('wake_failed', undefined, undefined, wakeFailedDetail(failure));
}

export function wakeFailedDetail(failure: WakeFailure): { message: string; details: Record<string, unknown> } {
  return { message: `The app could not be woken (${failure.code}): ${failure.reason}`, details: { failureMode: failure.code } };
}
