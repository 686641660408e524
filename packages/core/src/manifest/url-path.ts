/**
 * The URL paths a manifest declares: route, webhook and live path patterns, the readiness path and
 * the assets prefix. A pattern is "/" followed by segments; a segment is literal text, `:name`
 * (one segment, captured) or `*` (any rest of the path, last segment only). Each check returns
 * what is wrong, or undefined.
 */
import type { StringCheck } from './table-reader.js';

const LITERAL_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** A route, webhook or live path pattern: `/`, `/api/*`, `/users/:id/edit`. */
export const checkPathPattern: StringCheck = (path) => {
  if (!path.startsWith('/')) return `must start with "/", got ${JSON.stringify(path)}`;
  if (path === '/') return undefined;
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  const params = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    if (segment === '*') {
      if (i !== segments.length - 1) return `"*" is only allowed as the last segment, got ${JSON.stringify(path)}`;
      continue;
    }
    const problem = checkSegment(segment, path);
    if (problem) return problem;
    if (segment.startsWith(':')) {
      if (!PARAM_SEGMENT.test(segment)) return `${JSON.stringify(segment)} is not a parameter: write ":" and a name, like ":id"`;
      if (params.has(segment)) return `names the parameter ${JSON.stringify(segment)} twice`;
      params.add(segment);
    }
  }
  return undefined;
};

/** A literal path with no parameters or wildcard, optionally with a query: `/healthz`. */
export const checkLiteralPath: StringCheck = (path) => {
  if (!path.startsWith('/')) return `must start with "/", got ${JSON.stringify(path)}`;
  const [pathPart = ''] = path.split('?', 1);
  for (const segment of pathPart.slice(1).split('/')) {
    if (segment === '') continue;
    const problem = segment.startsWith(':') || segment === '*' ? `must be a plain path without ":" or "*", got ${JSON.stringify(path)}` : checkSegment(segment, path);
    if (problem) return problem;
  }
  return /\s/.test(path) ? `must not contain spaces, got ${JSON.stringify(path)}` : undefined;
};

/** A URL prefix that starts and ends with "/": `/assets/`, or `/` for everything. */
export const checkUrlPrefix: StringCheck = (prefix) => {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) return `must start and end with "/", like "/assets/", got ${JSON.stringify(prefix)}`;
  for (const segment of prefix.slice(1, -1).split('/')) {
    if (prefix === '/') break;
    const problem = segment.startsWith(':') || segment === '*' ? `must be a plain prefix without ":" or "*", got ${JSON.stringify(prefix)}` : checkSegment(segment, prefix);
    if (problem) return problem;
  }
  return undefined;
};

function checkSegment(segment: string, path: string): string | undefined {
  if (segment === '') return `has an empty segment ("//"), got ${JSON.stringify(path)}`;
  if (segment === '.' || segment === '..') return `must not contain "${segment}" segments, got ${JSON.stringify(path)}`;
  const text = segment.startsWith(':') ? segment.slice(1) : segment;
  if (segment.includes('*')) return `"*" must be a whole segment ("/files/*"), got ${JSON.stringify(path)}`;
  if (text !== '' && !LITERAL_SEGMENT.test(text)) return `has characters a URL path cannot carry unencoded in ${JSON.stringify(segment)}`;
  return undefined;
}

/**
 * The pattern with parameter names erased, so that `/users/:id` and `/users/:uid` compare equal:
 * both match exactly the same requests. A trailing slash is kept: `/a` and `/a/` are different URLs.
 */
export function patternShape(path: string): string {
  return path.replace(/\/:[A-Za-z_][A-Za-z0-9_]*/g, '/:');
}

/** Whether `path` (a pattern) falls under the URL `prefix` (which ends with "/"). */
export function isUnderPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) || `${path}/` === prefix;
}
