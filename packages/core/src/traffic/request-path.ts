/**
 * How the edge reads a request's path before classifying it. The request target is read up to its
 * query ("?") or fragment ("#"), split on "/", and each segment percent-decoded, so that
 * `/caf%C3%A9` and `/café` or `/%61pi` and `/api` are the same path (as they are to the app). A
 * path that cannot be read one unambiguous way gets a PathProblem instead, and classification then
 * applies only the rules that make a request stricter (see classify-request.ts):
 *
 * - malformed: no conforming client sends it: not starting with "/", a "." or ".." segment (clients
 *   resolve them before sending), a "%" that does not start a UTF-8 escape, a control character, or
 *   a path over MAX_PATH_CHARS. The edge may answer 400.
 * - ambiguous: legitimate but read differently by different servers: an encoded slash ("%2F") or a
 *   backslash, raw or encoded, which some servers treat as a separator and others do not.
 */

/** Why a path cannot be classified by its exact text. */
export interface PathProblem {
  readonly kind: 'malformed' | 'ambiguous';
  /** A sentence for logs and the 400 page; it quotes nothing from the request. */
  readonly message: string;
}

/** A request's path, read. */
export type RequestPath =
  /** `path` is the decoded path ("/" and the decoded segments joined by "/"); `segments` are those segments. */
  | { readonly clean: true; readonly path: string; readonly segments: readonly string[] }
  | { readonly clean: false; readonly problem: PathProblem };

/** Longer paths are not read: Node's own header limit is 16 KiB, and no route needs more than this. */
export const MAX_PATH_CHARS = 8192;

const problems = {
  notOriginForm: { kind: 'malformed', message: 'The request target is not a path starting with "/".' },
  tooLong: { kind: 'malformed', message: `The path is longer than ${MAX_PATH_CHARS} characters.` },
  badEscape: { kind: 'malformed', message: 'The path has a "%" that does not start a valid UTF-8 escape.' },
  control: { kind: 'malformed', message: 'The path carries a control character.' },
  dotSegment: { kind: 'malformed', message: 'The path has a "." or ".." segment, which clients resolve before sending.' },
  separator: { kind: 'ambiguous', message: 'The path has an encoded "/" or a backslash, which servers split in different ways.' },
} as const satisfies Record<string, PathProblem>;

/** Reads `target` (the request line's target, `req.url` in Node). Never throws. */
export function readRequestPath(target: string): RequestPath {
  const raw = pathPart(target);
  if (raw.charCodeAt(0) !== 0x2f) return { clean: false, problem: problems.notOriginForm };
  if (raw.length > MAX_PATH_CHARS) return { clean: false, problem: problems.tooLong };
  const segments = raw.slice(1).split('/');
  let ambiguous = false;
  let decodedAny = false;
  for (let i = 0; i < segments.length; i++) {
    const decoded = decodeSegment(segments[i] as string);
    if (typeof decoded !== 'string') {
      if (decoded.kind === 'malformed') return { clean: false, problem: decoded };
      ambiguous = true;
      continue;
    }
    if (decoded === '.' || decoded === '..') return { clean: false, problem: problems.dotSegment };
    if (decoded !== segments[i]) {
      segments[i] = decoded;
      decodedAny = true;
    }
  }
  if (ambiguous) return { clean: false, problem: problems.separator };
  return { clean: true, path: decodedAny ? `/${segments.join('/')}` : raw, segments };
}

/**
 * The path as the most lenient server would read it: separators "/" and "\" (raw or encoded),
 * empty and "." segments dropped, ".." removing the segment before it, letters lower-cased. Rules
 * that make a request stricter (webhooks, unsafe routes) match this form, so that no spelling of a
 * path the app might route to the same handler slips past them. Pass `read`, the target's
 * readRequestPath(), when there is one: a clean path's segments need no second decoding.
 */
export function lenientSegments(target: string, read?: RequestPath): string[] {
  const out: string[] = [];
  if (read?.clean) {
    // Clean segments hold no separator and no dot segment: only empties and case remain.
    for (const segment of read.segments) if (segment !== '') out.push(segment.toLowerCase());
    return out;
  }
  const raw = pathPart(target);
  for (const piece of raw.split(/[/\\]/)) {
    for (const part of lenientDecode(piece).split(/[/\\]/)) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part.toLowerCase());
    }
  }
  return out;
}

/** The target up to its query or fragment. */
function pathPart(target: string): string {
  const query = target.indexOf('?');
  const fragment = target.indexOf('#');
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? target : target.slice(0, end);
}

function decodeSegment(segment: string): string | PathProblem {
  if (segment.indexOf('%') === -1) return checkChars(segment) ?? segment;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return problems.badEscape;
  }
  return checkChars(decoded) ?? (decoded.indexOf('/') !== -1 ? problems.separator : decoded);
}

/** A control character is malformed; a backslash is a separator to some servers. */
function checkChars(text: string): PathProblem | undefined {
  let problem: PathProblem | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return problems.control;
    if (c === 0x5c) problem = problems.separator;
  }
  return problem;
}

function lenientDecode(piece: string): string {
  if (piece.indexOf('%') === -1) return piece;
  try {
    return decodeURIComponent(piece);
  } catch {
    return piece;
  }
}
