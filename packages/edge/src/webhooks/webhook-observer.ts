import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Exchange, ExchangeObserver } from '../exchange.js';
import type { WebhookEvents } from './webhook-events.js';

/**
 * Follows the one forwarding of a verified webhook delivery that carries an event id: the id is
 * in flight until the app answers, and processed only when the app answers 2xx. The answer is
 * awaited even if the provider hangs up, so the outcome is recorded either way.
 */
export class WebhookObserver implements ExchangeObserver {
  readonly outlivesClient = true;
  #ended = false;

  constructor(readonly events: WebhookEvents, readonly environmentId: string, readonly eventId: string) {
    events.begin(environmentId, eventId);
  }

  sent(exchange: Exchange, upstream: ClientRequest): void {
    upstream.once('close', () => {
      if (exchange.upstreamResponse === undefined) this.#end(false);
    });
  }

  response(exchange: Exchange, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    this.#end(status >= 200 && status < 300);
    exchange.res.once('close', () => {
      if (response.complete) return;
      response.unpipe(exchange.res);
      response.resume();
    });
  }

  refused(exchange: Exchange): void {
    if (exchange.upstream === undefined) this.#end(false);
  }

  #end(processed: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.events.end(this.environmentId, this.eventId, processed);
  }
}
