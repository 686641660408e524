import type { LiveSpec } from '@berth/core';
import type { LoadBalancer } from '../load-balancer.js';
import type { Route, Target } from '../route-table.js';
import { newSessionId, readSessionCookie, type SessionCookie } from './session-cookie.js';

/**
 * Where a live session goes, and what the allocation is told about it:
 * - `pinned`: its cookie names an allocation that is still a target; it goes back there.
 * - `hydrate`: it lost its allocation, and the app promised a resume that can be kept: `[live]`
 *   is resumable, names a durable session store that is bound for the environment, and the new
 *   allocation's state schema is the one the session started on.
 * - `fresh`: anything else, a new session included; the app starts the session over.
 * The allocation gets `Berth-Session-Id` always, and `Berth-Session-Resume` unless pinned.
 */
export interface SessionPlacement {
  readonly target: Target;
  readonly cookie: SessionCookie;
  readonly resume: 'pinned' | 'hydrate' | 'fresh';
}

/**
 * Places an upgrade on `route`. `storeBound` is asked only when a hydrate is otherwise possible
 * (a reconnect away from a lost allocation of a resumable app): it is a control-plane read.
 */
export async function placeSession(route: Route, balancer: LoadBalancer, cookieHeader: string | undefined, live: LiveSpec | undefined, storeBound: () => Promise<boolean>): Promise<SessionPlacement | undefined> {
  const previous = readSessionCookie(cookieHeader);
  const schema = live?.stateSchema ?? '';
  if (previous !== undefined) {
    const original = route.targets.find((target) => target.allocationId === previous.allocationId);
    if (original !== undefined) return { target: original, cookie: previous, resume: 'pinned' };
  }
  const target = balancer.pick(route, cookieHeader);
  if (target === undefined) return undefined;
  if (previous !== undefined && live?.resumable === true && live.store !== '' && previous.stateSchema === schema && (await storeBound())) {
    return { target, cookie: { allocationId: target.allocationId, sessionId: previous.sessionId, stateSchema: schema }, resume: 'hydrate' };
  }
  return { target, cookie: { allocationId: target.allocationId, sessionId: newSessionId(), stateSchema: schema }, resume: 'fresh' };
}

/** The headers the allocation's handshake gets for a placement. */
export function placementHeaders(placement: SessionPlacement): string[] {
  const headers = ['Berth-Session-Id', placement.cookie.sessionId];
  if (placement.resume !== 'pinned') headers.push('Berth-Session-Resume', placement.resume);
  return headers;
}
