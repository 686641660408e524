/**
 * A manifest path pattern (`/users/:id`, `/api/*`, `/`), compiled once per deployment into the
 * two forms requests are matched against: exact (decoded segments, case and empty segments kept)
 * and lenient (the form lenientSegments() gives a request). Patterns from a parsed manifest are
 * already checked by checkPathPattern; compiling never throws on any other text either, it only
 * matches literally.
 */

/** Any one non-empty segment: `:name`. */
export const ANY_SEGMENT: unique symbol = Symbol('any segment');
/** The rest of the path, zero or more segments: a trailing `*`. */
export const ANY_REST: unique symbol = Symbol('any rest');

export type PatternPart = string | typeof ANY_SEGMENT | typeof ANY_REST;

export interface PathPattern {
  /** The pattern as the manifest wrote it. */
  readonly source: string;
  /** Matched against a clean path's decoded segments: "/a/" and "/a" differ, as do "/A" and "/a". */
  readonly exact: readonly PatternPart[];
  /** Matched against lenientSegments(): lower-cased literals, no empty segments. */
  readonly lenient: readonly PatternPart[];
}

export function compilePathPattern(source: string): PathPattern {
  const raw = source.startsWith('/') ? source.slice(1).split('/') : [source];
  const exact: PatternPart[] = raw.map((segment, i) => {
    if (segment === '*' && i === raw.length - 1) return ANY_REST;
    if (segment.length > 1 && segment.startsWith(':')) return ANY_SEGMENT;
    return decodeLiteral(segment);
  });
  const lenient: PatternPart[] = [];
  for (const part of exact) {
    if (typeof part !== 'string') lenient.push(part);
    else for (const piece of part.split('/')) if (piece !== '') lenient.push(piece.toLowerCase());
  }
  return { source, exact, lenient };
}

/** Whether `segments` match `parts`: literals equal, `:name` non-empty, a trailing `*` anything (even nothing). */
export function matchesPattern(parts: readonly PatternPart[], segments: readonly string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === ANY_REST) return true;
    if (i >= segments.length) return false;
    const segment = segments[i] as string;
    if (part === ANY_SEGMENT) {
      if (segment === '') return false;
    } else if (part !== segment) {
      return false;
    }
  }
  return parts.length === segments.length;
}

/** Literal pattern segments may be written percent-encoded; requests are compared decoded. */
function decodeLiteral(segment: string): string {
  if (segment.indexOf('%') === -1) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
