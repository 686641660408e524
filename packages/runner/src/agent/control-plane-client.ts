/**
 * The runner's HTTP calls to the control plane: join with a join token, refresh the runner token,
 * download an artifact. Everything else goes over the WebSocket.
 */
export interface JoinRequest {
  name: string;
  region: string;
  labels: Record<string, string>;
  capacity: { cpus: number; memoryBytes: number };
  runnerVersion: string;
}

export interface RunnerCredentials {
  hostId: string;
  token: string;
  expiresAt: number;
}

/** A refusal from the control plane, with its code and message; `fatal` when retrying cannot help. */
export class ControlPlaneRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly suggestion?: string) {
    super(message);
    this.name = 'ControlPlaneRefusal';
  }
  get fatal(): boolean {
    return this.status === 401 || this.status === 403 || this.status === 400;
  }
}

async function refusal(res: Response): Promise<ControlPlaneRefusal> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; suggestion?: string } };
  return new ControlPlaneRefusal(res.status, body.error?.code ?? `http_${res.status}`, body.error?.message ?? `the control plane answered ${res.status}`, body.error?.suggestion);
}

export class ControlPlaneClient {
  constructor(readonly apiUrl: string) {}

  get socketUrl(): string {
    return `${this.apiUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/api/runners/connect`;
  }

  async join(joinToken: string, request: JoinRequest): Promise<RunnerCredentials> {
    const res = await fetch(`${this.apiUrl}/api/runners/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ joinToken, ...request }) });
    if (!res.ok) throw await refusal(res);
    const body = (await res.json()) as { hostId: string; token: string; expiresAt: string };
    return { hostId: body.hostId, token: body.token, expiresAt: Date.parse(body.expiresAt) };
  }

  async refresh(token: string): Promise<RunnerCredentials> {
    const res = await fetch(`${this.apiUrl}/api/runners/refresh`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw await refusal(res);
    const body = (await res.json()) as { hostId: string; token: string; expiresAt: string };
    return { hostId: body.hostId, token: body.token, expiresAt: Date.parse(body.expiresAt) };
  }

  async download(token: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const res = await fetch(`${this.apiUrl}/api/runners/artifacts/${encodeURIComponent(digest)}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok || !res.body) throw await refusal(res);
    return res.body;
  }
}
