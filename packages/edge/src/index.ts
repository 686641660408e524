export { RouteTable, normalizeHostname, type Route, type Target } from './route-table.js';
export { LoadBalancer, affinityCookieName, affinityTarget } from './load-balancer.js';
export { TargetPool, type TargetPoolOptions } from './target-pool.js';
export { createEdgeServer, type EdgeServer, type EdgeServerOptions } from './proxy.js';
export type { EdgeLog, EdgeLogEntry } from './edge-context.js';
export { proxyFailureStatus, isConnectionFailure, BodyTooLargeError, UpstreamTimeoutError, type ProxyFailureStatus } from './proxy-errors.js';
