import { BerthError } from '@berth/core';

/**
 * A refusal the control plane answered with (its `{"error":{code,message,suggestion}}`), kept with
 * its HTTP status so a caller can tell "retry later" (5xx) from "this will never work" (401, 403,
 * 400: a wrong join token, a revoked edge).
 */
export class ControlPlaneRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly suggestion: string | undefined) {
    super(message);
    this.name = 'ControlPlaneRefusal';
  }

  /** Retrying the same request cannot help. */
  get fatal(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403 || this.status === 404;
  }
}

export async function refusalOf(res: Response, what: string): Promise<ControlPlaneRefusal> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; suggestion?: string } };
  return new ControlPlaneRefusal(res.status, body.error?.code ?? `http_${res.status}`, `${what}: ${body.error?.message ?? `the control plane answered ${res.status}`}`, body.error?.suggestion);
}

/** A request that never got an answer: the control plane is down, unreachable or too slow. */
export function unreachable(what: string, url: string, error: unknown): BerthError {
  const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.message : String(error));
  return new BerthError('control_plane_unreachable', `${what}: the control plane at ${url} did not answer (${reason}).`, { cause: error });
}
