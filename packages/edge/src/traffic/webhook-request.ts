import type { WebhookSpec } from '@berth/core';
import type { Exchange } from '../exchange.js';
import { proxyToTarget } from '../proxy-request.js';
import { WebhookObserver } from '../webhooks/webhook-observer.js';
import { readBody } from './read-body.js';
import type { TrafficDesk } from './traffic-desk.js';

const duplicateBody = Buffer.from('{"received":true,"duplicate":true}');

/**
 * A POST to a `[[webhooks]]` path, hot or cold. The signature is checked first, on the body read
 * whole (up to the hold limit), before anything else happens for the request: a delivery that does
 * not verify gets 401 with the reason, and neither wakes the app nor reaches it. Then the
 * provider's event id decides: processed already, acknowledged without forwarding; being
 * processed, 409 (the provider retries). While the app is cold the delivery is never buffered:
 * the wake is requested with the event id as evidence and the provider gets 503, so it retries.
 * While hot it is forwarded once, and its id is recorded as processed on a 2xx.
 */
export function handleWebhook(desk: TrafficDesk, exchange: Exchange, spec: WebhookSpec, expectContinue: boolean): void {
  void verifyThenRoute(desk, exchange, spec, expectContinue).catch((error: unknown) => {
    desk.log(`webhooks: a delivery for ${exchange.route?.hostname} failed (${error instanceof Error ? error.message : String(error)})`);
    if (!exchange.clientGone && exchange.outcome === 0 && exchange.upstream === undefined) exchange.refuse('webhook_unverifiable');
  });
}

async function verifyThenRoute(desk: TrafficDesk, exchange: Exchange, spec: WebhookSpec, expectContinue: boolean): Promise<void> {
  const { req } = exchange;
  const environmentId = exchange.route!.environmentId;
  const read = await readBody(exchange, desk.holdBodyLimitBytes, expectContinue);
  if (read.kind === 'gone') return;
  if (read.kind === 'too_large') return exchange.refuse(413);
  if (read.kind === 'stalled') return exchange.refuse(408, 'request body stalled');
  const verify = await desk.webhookKeys.verifierFor(environmentId, spec);
  if (exchange.clientGone) return;
  if (verify === undefined) return exchange.refuse('webhook_unverifiable');
  const verdict = verify(req.headersDistinct, read.body, Date.now());
  if (!verdict.ok) return exchange.refuse('webhook_signature_invalid', undefined, undefined, { message: `The webhook signature does not verify: ${verdict.reason}` });

  const eventId = verdict.eventId;
  if (eventId !== null && desk.webhookEvents.processed(environmentId, eventId)) return acknowledgeDuplicate(exchange);
  if (eventId !== null && desk.webhookEvents.inFlight(environmentId, eventId)) return exchange.refuse('webhook_event_in_flight');
  // The route as it is now: the app may have woken (or moved) while the body arrived.
  const route = desk.table.lookup(exchange.route!.hostname) ?? exchange.route!;
  exchange.route = route;
  if (route.failedClosed === true) return exchange.refuse('route_unverified');
  if (route.targets.length === 0) {
    if (route.sleeps === false) return exchange.refuse(503);
    desk.wake(route, 'webhook', desk.trigger(req, { webhook: { provider: spec.provider, eventId } }), true);
    return exchange.refuse('app_waking');
  }
  exchange.body = read.body;
  if (eventId !== null) exchange.observer = new WebhookObserver(desk.webhookEvents, environmentId, eventId);
  proxyToTarget(exchange, false);
}

/** A redelivery of an event the app already processed: the provider is told it arrived, and the app is not asked again. */
function acknowledgeDuplicate(exchange: Exchange): void {
  const { res, req } = exchange;
  exchange.outcome = 200;
  res.writeHead(200, [
    'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(duplicateBody.length), 'Cache-Control', 'no-store',
    'X-Berth-Edge', '1', 'Berth-Webhook-Duplicate', 'true', 'X-Request-Id', exchange.requestId,
    ...(req.complete && !exchange.edge.closing ? [] : ['Connection', 'close']),
  ]);
  res.end(duplicateBody);
}
