import type { LiveSpec } from '@berth/core';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EdgeContext } from '../edge-context.js';
import { sessionSetCookie } from '../live/session-cookie.js';
import { placementHeaders, placeSession } from '../live/session-placement.js';
import type { LiveSession } from '../live/live-sessions.js';
import type { Route } from '../route-table.js';
import { refuseTunnel, Tunnel } from '../websocket-tunnel.js';
import { wakeFailedDetail } from './hold-exchange.js';
import type { TrafficDesk } from './traffic-desk.js';

/**
 * A WebSocket upgrade (the `live` class) to a route with a process. With a ready target the
 * session is placed (back to its allocation, or hydrated or fresh elsewhere: live/) and the tunnel
 * pinned to that allocation for its life. While the app is cold the upgrade wakes it and is held
 * like a safe request: placed once a target is ready, or answered 503 at the budget.
 */
export function handleUpgrade(desk: TrafficDesk, edge: EdgeContext, req: IncomingMessage, client: Duplex, head: Buffer, route: Route, requestId: string): void {
  const classification = desk.classify(route, req);
  if ('pathProblem' in classification && classification.pathProblem?.kind === 'malformed') {
    return refuseTunnel(edge, req, client, 'request_path_malformed', requestId, route, undefined, undefined, { message: classification.pathProblem.message });
  }
  const live = classification.class === 'live' ? classification.live : undefined;
  if (route.activity !== undefined) route.activity.requests += 1;
  if (route.targets.length > 0) return place(desk, edge, req, client, head, route, requestId, live);
  if (route.sleeps === false) return refuseTunnel(edge, req, client, 503, requestId, route, undefined);

  const outcome = desk.hold({
    environmentId: route.environmentId,
    hostname: route.hostname,
    bytes: head.length,
    release(current) {
      client.off('close', cancel);
      if (client.destroyed) return;
      if (current === undefined) return refuseTunnel(edge, req, client, 'host_not_found', requestId, route, undefined);
      if (current.failedClosed === true) return refuseTunnel(edge, req, client, 'route_unverified', requestId, current, undefined);
      place(desk, edge, req, client, head, current, requestId, live);
    },
    expire(failure) {
      client.off('close', cancel);
      if (failure === undefined) refuseTunnel(edge, req, client, 'app_waking', requestId, route, undefined);
      else refuseTunnel(edge, req, client, 'wake_failed', requestId, route, undefined, undefined, wakeFailedDetail(failure));
    },
  }, Date.now() + (route.wakeBudgetMs ?? desk.defaultWakeBudgetMs));
  if (outcome === 'full') return refuseTunnel(edge, req, client, 'wake_hold_full', requestId, route, undefined);
  if (outcome === 'released') return;
  const cancel = () => outcome.cancel();
  client.once('close', cancel);
  desk.wake(route, 'live', desk.trigger(req, {}));
}

function place(desk: TrafficDesk, edge: EdgeContext, req: IncomingMessage, client: Duplex, head: Buffer, route: Route, requestId: string, live: LiveSpec | undefined): void {
  placeSession(route, edge.balancer, req.headers.cookie, live, () => desk.webhookKeys.liveStoreBound(route.environmentId)).then(
    (placement) => {
      if (client.destroyed) return;
      if (placement === undefined || edge.closing) return refuseTunnel(edge, req, client, 503, requestId, route, undefined);
      let session: LiveSession | undefined;
      const tunnel: Tunnel = new Tunnel(edge, req, client, head, requestId, route, placement.target, {
        headers: placementHeaders(placement),
        setCookie: sessionSetCookie(placement.cookie),
        opened() {
          session = {
            allocationId: placement.target.allocationId, environmentId: route.environmentId,
            drainDeadlineMs: route.drainDeadlineMs ?? desk.defaultDrainDeadlineMs, activity: route.activity, close: () => tunnel.close(),
          };
          desk.sessions.opened(session);
        },
        closed() {
          if (session !== undefined) desk.sessions.closed(session);
        },
      });
      tunnel.open();
    },
    (error: unknown) => refuseTunnel(edge, req, client, 502, requestId, route, undefined, error),
  );
}
