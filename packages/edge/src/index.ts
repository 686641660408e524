export { RouteTable, normalizeHostname, type Route, type Target } from './route-table.js';
export { LoadBalancer, affinityCookieName, affinityTarget } from './load-balancer.js';
export { TargetPool, type TargetPoolOptions } from './target-pool.js';
export { createEdgeServer, type EdgeServer, type EdgeServerOptions } from './proxy.js';
export type { EdgeLog, EdgeLogEntry } from './edge-context.js';
export { proxyFailureStatus, isConnectionFailure, BodyTooLargeError, UpstreamTimeoutError, type ProxyFailureStatus } from './proxy-errors.js';
export { refusalFor, type RefusalCode } from './edge-responses.js';

export { startEdge, type StartEdgeConfig, type RunningEdge, type EdgeTuning } from './start-edge/start-edge.js';

export { AssetStore, type AssetStoreOptions } from './assets/asset-store.js';
export { AssetSite } from './assets/asset-site.js';
export type { AssetSource, AssetBlob } from './assets/asset-files.js';
export type { AssetMount } from './assets/asset-mount.js';
export { indexAssetManifest, type AssetManifestEntry } from './assets/asset-manifest.js';

export { RouteState, type EventOutcome, type SnapshotOutcome } from './feed/route-state.js';
export { RouteFeedFollower, type RouteFeedFollowerOptions } from './feed/route-feed-follower.js';
export { EmbeddedTransport, type EmbeddedTransportOptions } from './feed/embedded-transport.js';
export { JetStreamTransport, defaultRouteEventStream, routeEventSubject, type JetStreamTransportOptions } from './feed/jetstream-transport.js';
export type { RouteTransport, RouteFeedSink } from './feed/route-transport.js';
export { FeedJournal } from './feed/feed-journal.js';
export { FeedReporter } from './feed/feed-reporter.js';
export { ControlPlaneLink, type EdgeRegistration, type EdgeReport, type RegisteredEdge } from './link/control-plane-link.js';
export { ControlPlaneRefusal } from './link/control-plane-refusal.js';

export { TrafficDesk, type TrafficOptions } from './traffic/traffic-desk.js';
export type {
  EdgeControlPlane, WakeRequestClass, WakeTrigger, WakeRequestBody, WakeTicket, WakeProgress, ActivityReportBody,
  EnvironmentActivityReport, DrainReport, EnvironmentSecrets,
} from './traffic/edge-control-plane.js';
export { WakeHolds, type Hold, type HoldHandle, type WakeFailure } from './wake/wake-holds.js';
export { WakeCoordinator } from './wake/wake-coordinator.js';
export { IdempotencyStore } from './idempotency/idempotency-store.js';
export { WebhookEvents } from './webhooks/webhook-events.js';
export { LiveSessions } from './live/live-sessions.js';
export { sessionCookieName, readSessionCookie, sessionSetCookie, type SessionCookie } from './live/session-cookie.js';
export { EnvironmentActivity, ActivityRegistry } from './activity/environment-activity.js';
export { defaultWakeBudgetMs, defaultDrainDeadlineMs } from './route-table.js';
export type { EdgeTraffic } from './edge-context.js';
