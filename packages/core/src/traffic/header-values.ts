/**
 * Reading the few request headers classification and webhook verification look at. Node gives
 * headers as a record with lower-case names; a header sent twice arrives as an array
 * (`req.headersDistinct`, or `set-cookie` in `req.headers`) or joined with ", " (other headers in
 * `req.headers`). A signature or event id that appears twice is ambiguous, so readers that need one
 * value refuse both shapes instead of picking one.
 */

/** Request headers as Node gives them: lower-case names, a string or (for repeats) an array of strings. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A header read as exactly one value, or why it could not be. */
export type SingleHeader =
  | { readonly kind: 'absent' }
  | { readonly kind: 'one'; readonly value: string }
  /** Sent more than once (an array of two or more values). */
  | { readonly kind: 'repeated' }
  /** Not a string at all: only a caller bypassing the types can produce this. */
  | { readonly kind: 'invalid' };

const ABSENT: SingleHeader = { kind: 'absent' };
const REPEATED: SingleHeader = { kind: 'repeated' };
const INVALID: SingleHeader = { kind: 'invalid' };

/** The header `lowerName` as one value; an array of one value (from `headersDistinct`) counts as one. */
export function readSingleHeader(headers: HeaderBag, lowerName: string): SingleHeader {
  const value: unknown = Object.hasOwn(headers, lowerName) ? headers[lowerName] : undefined;
  if (value === undefined) return ABSENT;
  if (typeof value === 'string') return { kind: 'one', value };
  if (Array.isArray(value)) {
    if (value.length === 0) return ABSENT;
    if (value.length > 1) return REPEATED;
    return typeof value[0] === 'string' ? { kind: 'one', value: value[0] } : INVALID;
  }
  return INVALID;
}

/**
 * Whether the comma-separated header `lowerName` lists `token` (compared without case), as
 * `Connection: keep-alive, Upgrade` lists "upgrade". Lists longer than `maxChars` are not read:
 * no legitimate Connection or Upgrade header is long, and the edge must not scan whatever a
 * client sends.
 */
export function headerListsToken(headers: HeaderBag, lowerName: string, token: string, maxChars = 256): boolean {
  const value: unknown = Object.hasOwn(headers, lowerName) ? headers[lowerName] : undefined;
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  for (const one of values) {
    if (typeof one !== 'string' || one.length > maxChars) continue;
    for (const part of one.split(',', 16)) {
      if (part.trim().toLowerCase() === token) return true;
    }
  }
  return false;
}
