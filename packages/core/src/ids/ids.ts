import { randomBytes } from 'node:crypto';

/**
 * Ids are a type prefix, an underscore and 26 characters of Crockford base32: 10 of time
 * (milliseconds) and 16 of randomness, so they sort by creation time and say what they name.
 */
export const idPrefixes = {
  org: 'org',
  token: 'tok',
  app: 'app',
  environment: 'env',
  operation: 'op',
  deployment: 'dep',
  allocation: 'alloc',
  host: 'host',
  edge: 'edge',
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const idBody = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = alphabet[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % 32];
  return out;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${idPrefixes[kind]}_${encodeTime(now)}${encodeRandom()}`;
}

/** True when `value` is a well-formed id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${idPrefixes[kind]}_`;
  return value.startsWith(prefix) && idBody.test(value.slice(prefix.length));
}

/** Names of apps, environments and organizations: they appear in hostnames, so DNS labels. */
export const namePattern = '^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$';
const nameRegex = new RegExp(namePattern);

export function isName(value: string): boolean {
  return nameRegex.test(value) && !value.includes('--');
}
