import type { PropagationIncident, SignedDocument } from '@berth/core';
import type {
  ActivityReportBody, EdgeControlPlane, EnvironmentSecrets, WakeProgress, WakeRequestBody, WakeTicket,
} from '../traffic/edge-control-plane.js';
import { refusalOf, unreachable, ControlPlaneRefusal } from './control-plane-refusal.js';

/** A file download may take longer than a small JSON answer; it still must end. */
const assetFileTimeoutMs = 5 * 60_000;

/** What an edge tells the control plane about itself when it registers. */
export interface EdgeRegistration {
  joinToken: string;
  name: string;
  region?: string | undefined;
  transport: 'embedded' | 'jetstream';
  version: string;
}

export interface RegisteredEdge {
  edgeId: string;
  /** `ed25519:<base64>`: the key the control plane signs the route feed with. */
  routePublicKey: string;
}

/** The edge's periodic report: the sequence it has applied, why it is degraded (if it is), and feed incidents. */
export interface EdgeReport {
  appliedSeq: number;
  degradedReason: string | null;
  incidents: PropagationIncident[];
}

export interface ControlPlaneLinkOptions {
  url: string;
  registration: EdgeRegistration;
  /** Deadline of each request (10 s unless told); an event stream's deadline covers its answer's headers only. */
  timeoutMs?: number;
}

/**
 * The edge's HTTP calls to the control plane: register with a join token, keep the edge token
 * fresh, fetch a route snapshot, report, open the event stream, fetch asset manifests and files.
 * Every call has a deadline. The token is refreshed shortly before it expires (lazily, on the next
 * call), and a call answered 401 refreshes it (or registers again) and is tried once more.
 */
export class ControlPlaneLink implements EdgeControlPlane {
  readonly url: string;
  readonly #registration: EdgeRegistration;
  readonly #timeoutMs: number;
  #edgeId: string | null = null;
  #token: string | undefined;
  #issuedAt = 0;
  #expiresAt = 0;
  #renewing: Promise<void> | undefined;

  constructor(options: ControlPlaneLinkOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#registration = options.registration;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  get edgeId(): string | null {
    return this.#edgeId;
  }

  async register(): Promise<RegisteredEdge> {
    const res = await this.#fetch('registering the edge', '/api/edges/register', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.#registration),
    });
    const body = (await res.json()) as { edgeId: string; token: string; expiresAt: string; routePublicKey: string };
    this.#credentials(body);
    return { edgeId: body.edgeId, routePublicKey: body.routePublicKey };
  }

  /** The current signed route snapshot. */
  async snapshot(): Promise<SignedDocument> {
    const res = await this.#authorized('fetching the route snapshot', '/api/edges/route-snapshot', {});
    return (await res.json()) as SignedDocument;
  }

  async report(report: EdgeReport): Promise<void> {
    const res = await this.#authorized('reporting to the control plane', '/api/edges/report', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report),
    });
    await res.body?.cancel();
  }

  /** Opens the embedded feed's event stream after `after`; `signal` ends it. The deadline covers the answer's headers only. */
  async events(after: number, signal: AbortSignal): Promise<Response> {
    return this.#authorized('opening the route event stream', `/api/edges/route-events?after=${after}`, { headers: { accept: 'text/event-stream' } }, signal, { streaming: true });
  }

  async assetManifest(digest: string): Promise<unknown> {
    const res = await this.#authorized(`fetching the asset manifest of ${digest}`, `/api/edges/artifacts/${encodeURIComponent(digest)}/asset-manifest`, {});
    return res.json();
  }

  /** The bytes of the asset at URL path `path` (decoded, with its leading slash) of artifact `digest`. */
  async assetFile(digest: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    const encoded = path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
    const res = await this.#authorized(`fetching asset ${path} of ${digest}`, `/api/edges/artifacts/${encodeURIComponent(digest)}/assets/${encoded}`, {}, undefined, { timeoutMs: assetFileTimeoutMs });
    if (res.body === null) throw new ControlPlaneRefusal(res.status, 'empty_body', `fetching asset ${path}: the answer had no body`, undefined);
    return res.body;
  }

  /** Creates the environment's wake or joins the one in flight (the control plane keeps one per environment). */
  async requestWake(body: WakeRequestBody): Promise<WakeTicket> {
    const res = await this.#authorized(`requesting the wake of ${body.environmentId}`, '/api/edges/wakes', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return (await res.json()) as WakeTicket;
  }

  async wakeProgress(wakeId: string): Promise<WakeProgress> {
    const res = await this.#authorized(`reading wake ${wakeId}`, `/api/edges/wakes/${encodeURIComponent(wakeId)}`, {});
    return (await res.json()) as WakeProgress;
  }

  async reportActivity(body: ActivityReportBody): Promise<void> {
    const res = await this.#authorized('reporting activity', '/api/edges/activity', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    await res.body?.cancel();
  }

  /** The environment's webhook signing secrets (values: never log them) and whether its live session store is bound. */
  async environmentSecrets(environmentId: string): Promise<EnvironmentSecrets> {
    const res = await this.#authorized(`reading the webhook secrets of ${environmentId}`, `/api/edges/environments/${encodeURIComponent(environmentId)}/webhook-secrets`, {});
    const body = (await res.json()) as { secrets?: Record<string, string>; liveStoreBound?: boolean };
    return { secrets: body.secrets ?? {}, liveStoreBound: body.liveStoreBound === true };
  }

  #credentials(body: { edgeId?: string; token: string; expiresAt: string }): void {
    if (body.edgeId !== undefined) this.#edgeId = body.edgeId;
    this.#token = body.token;
    this.#issuedAt = Date.now();
    this.#expiresAt = Date.parse(body.expiresAt);
  }

  /** Refreshes the token (or registers again when the refresh is refused); concurrent callers share one renewal. */
  #renew(): Promise<void> {
    this.#renewing ??= (async () => {
      try {
        if (this.#token !== undefined) {
          try {
            const res = await this.#fetch('refreshing the edge token', '/api/edges/refresh', { method: 'POST', headers: { authorization: `Bearer ${this.#token}` } });
            this.#credentials((await res.json()) as { edgeId: string; token: string; expiresAt: string });
            return;
          } catch (error) {
            if (!(error instanceof ControlPlaneRefusal) || error.status !== 401) throw error;
          }
        }
        await this.register();
      } finally {
        this.#renewing = undefined;
      }
    })();
    return this.#renewing;
  }

  /** Renews when the token is missing or in the last quarter of its life (at most a minute before it expires). */
  #needsRenewal(): boolean {
    if (this.#token === undefined) return true;
    const margin = Math.min(60_000, (this.#expiresAt - this.#issuedAt) / 4);
    return Date.now() >= this.#expiresAt - margin;
  }

  async #authorized(what: string, path: string, init: RequestInit, signal?: AbortSignal, options?: { streaming?: boolean; timeoutMs?: number }): Promise<Response> {
    if (this.#needsRenewal()) await this.#renew();
    try {
      return await this.#fetch(what, path, withToken(init, this.#token!), signal, options);
    } catch (error) {
      if (!(error instanceof ControlPlaneRefusal) || error.status !== 401) throw error;
      await this.#renew();
      return this.#fetch(what, path, withToken(init, this.#token!), signal, options);
    }
  }

  /**
   * One request under a deadline. By default the deadline covers the whole exchange, body
   * included; `streaming` lifts it once the answer's headers arrive, for the event stream, which
   * then runs under the caller's signal only.
   */
  async #fetch(what: string, path: string, init: RequestInit, signal?: AbortSignal, options: { streaming?: boolean; timeoutMs?: number } = {}): Promise<Response> {
    const url = `${this.url}${path}`;
    const deadline = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    const controller = new AbortController();
    const abort = () => controller.abort(deadline.aborted ? deadline.reason : signal?.reason);
    deadline.addEventListener('abort', abort, { once: true });
    signal?.addEventListener('abort', abort, { once: true });
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: controller.signal });
    } catch (error) {
      throw unreachable(what, this.url, error);
    } finally {
      if (options.streaming === true) deadline.removeEventListener('abort', abort);
    }
    if (!res.ok) throw await refusalOf(res, what);
    return res;
  }
}

function withToken(init: RequestInit, token: string): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } };
}
