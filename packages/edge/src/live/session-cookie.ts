import { randomBytes } from 'node:crypto';

/**
 * The cookie that brings a live session back to its allocation: `berth_session=<allocation id>.
 * <session id>.<state schema>` (the schema base64url-encoded, empty when the app declares none),
 * set on every WebSocket upgrade the edge places. The schema is the one the session started on:
 * a session may be hydrated on another allocation only if that allocation's schema is the same.
 */
export const sessionCookieName = 'berth_session';

export interface SessionCookie {
  readonly allocationId: string;
  readonly sessionId: string;
  readonly stateSchema: string;
}

const cookiePrefix = `${sessionCookieName}=`;
const part = /^[A-Za-z0-9_-]{1,128}$/;
const schemaPart = /^[A-Za-z0-9_-]{0,344}$/;

/** The session cookie a Cookie header carries, or undefined when it carries none that reads. */
export function readSessionCookie(cookieHeader: string | undefined): SessionCookie | undefined {
  if (cookieHeader === undefined) return undefined;
  let at = cookieHeader.indexOf(cookiePrefix);
  while (at !== -1) {
    const before = at === 0 ? 32 : cookieHeader.charCodeAt(at - 1);
    if (before === 59 /* ; */ || before === 32 /* space */) {
      const end = cookieHeader.indexOf(';', at);
      const parts = cookieHeader.slice(at + cookiePrefix.length, end === -1 ? undefined : end).trim().split('.');
      if ((parts.length === 2 || parts.length === 3) && part.test(parts[0]!) && part.test(parts[1]!) && schemaPart.test(parts[2] ?? '')) {
        return { allocationId: parts[0]!, sessionId: parts[1]!, stateSchema: Buffer.from(parts[2] ?? '', 'base64url').toString('utf8') };
      }
    }
    at = cookieHeader.indexOf(cookiePrefix, at + cookiePrefix.length);
  }
  return undefined;
}

/** The Set-Cookie value for a session: HttpOnly, the whole site, for the browser session. */
export function sessionSetCookie(cookie: SessionCookie): string {
  const schema = Buffer.from(cookie.stateSchema, 'utf8').toString('base64url');
  return `${sessionCookieName}=${cookie.allocationId}.${cookie.sessionId}.${schema}; Path=/; HttpOnly; SameSite=Lax`;
}

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}
