import type { IncomingMessage } from 'node:http';
import type { ActivityReportBody, EnvironmentSecrets, WakeRequestBody } from '../traffic/edge-control-plane.js';

/**
 * The control plane's sleep-and-wake endpoints as the stand-in serves them: it records every wake
 * request, wake read, activity report and secrets fetch, and answers from what the test set. Tests
 * assert what the edge did with these answers (held, forwarded, refused), never the answers.
 */
export interface TrafficStandIn {
  readonly wakeRequests: WakeRequestBody[];
  readonly wakeReads: string[];
  /** The state the next wake answers and reads report (`starting` unless told; `failed` fails the wake). */
  wake: { state: string; failureMode: string | null; reason: string | null };
  /** While set, wake requests wait for it before answering. */
  wakeGate: Promise<void> | undefined;
  /** While set, wake requests are refused with it (a control plane saying `nothing_to_wake`). */
  wakeRefusal: { status: number; code: string; message: string } | undefined;
  readonly activityReports: ActivityReportBody[];
  /** Refuse activity reports that carry `drains` with 400, as a control plane without drain reports does. */
  refuseDrains: boolean;
  readonly secretFetches: string[];
  /** Environment id → its webhook secrets and live store binding; others answer `{secrets: {}}`. */
  readonly secrets: Map<string, EnvironmentSecrets>;
}

export function newTrafficStandIn(): TrafficStandIn {
  return {
    wakeRequests: [], wakeReads: [], wake: { state: 'starting', failureMode: null, reason: null }, wakeGate: undefined, wakeRefusal: undefined,
    activityReports: [], refuseDrains: false, secretFetches: [], secrets: new Map(),
  };
}

type Json = (status: number, value: unknown) => void;

/** Answers one of the traffic endpoints; false when `url` is not one. */
export async function answerTraffic(state: TrafficStandIn, req: IncomingMessage, url: URL, body: string, json: Json): Promise<boolean> {
  if (req.method === 'POST' && url.pathname === '/api/edges/wakes') {
    state.wakeRequests.push(JSON.parse(body) as WakeRequestBody);
    await state.wakeGate;
    const refusal = state.wakeRefusal;
    if (refusal !== undefined) {
      json(refusal.status, { error: { code: refusal.code, message: refusal.message, suggestion: '' } });
      return true;
    }
    json(200, { wakeId: 'op_wake_1', state: state.wake.state, attached: state.wakeRequests.length > 1, budgetMs: 10_000, routeEpoch: 1 });
    return true;
  }
  const read = /^\/api\/edges\/wakes\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && read) {
    state.wakeReads.push(read[1]!);
    json(200, { wakeId: read[1], ...state.wake });
    return true;
  }
  if (req.method === 'POST' && url.pathname === '/api/edges/activity') {
    const report = JSON.parse(body) as ActivityReportBody;
    if (state.refuseDrains && report.drains !== undefined) {
      json(400, { error: { code: 'invalid_body', message: 'drains is not allowed', suggestion: '' } });
      return true;
    }
    state.activityReports.push(report);
    json(200, { recorded: report.environments.length });
    return true;
  }
  const secrets = /^\/api\/edges\/environments\/([^/]+)\/webhook-secrets$/.exec(url.pathname);
  if (req.method === 'GET' && secrets) {
    const environmentId = decodeURIComponent(secrets[1]!);
    state.secretFetches.push(environmentId);
    json(200, state.secrets.get(environmentId) ?? { secrets: {}, liveStoreBound: false });
    return true;
  }
  return false;
}
