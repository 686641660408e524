export { edgesBehind, findEdge, listEdges, markSilentEdgesOffline, registerEdge, type EdgeRecord } from './edges-store.js';
export { incidentsSince, incidentsOfEdge, type IncidentRecord } from './propagation-incidents.js';
export { applyEdgeReport, type EdgeReport } from './edge-report.js';
export { checkEdgeHealth } from './edge-health.js';
export { edgeTokenKey, signEdgeToken, verifyEdgeToken, edgeTokenTtlMs, type EdgeClaims } from './edge-token.js';
export { AssetCache } from './asset-cache.js';
