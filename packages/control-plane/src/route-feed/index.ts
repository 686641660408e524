export { RouteFeed, type RouteFeedDeps, type RouteEventListener, type SignedRouteEvent } from './route-feed.js';
export { appendRouteEvent, lastRouteSeq, lockRouteEvents, readRouteEvents, routeEventLockKey, type RouteEventDraft } from './route-event-log.js';
export { buildRouteSnapshot, readRouteState } from './route-snapshot.js';
export { routeSigningKey } from './route-signing-key.js';
export { routeEntryFor, routePolicy, assetManifestSummary } from './route-policy.js';
export { targetEventsHook } from './target-events.js';
export { attachRouteFeed } from './attach-route-feed.js';
export { JetStreamPublisher, defaultRouteStream, defaultRouteSubject, type JetStreamPublisherOptions, type PublisherState } from './jetstream-publisher.js';
