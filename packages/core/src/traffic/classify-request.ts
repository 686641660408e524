/**
 * classifyRequest(): the request class of DESIGN.md "Requests at the edge", decided from the
 * method, the path and two headers, in this order:
 *
 * 1. live: a GET carrying `Connection: upgrade` and `Upgrade: websocket` (what Node reports as an
 *    upgrade). Every WebSocket upgrade is live, not only the `[live]` path: a tunnel cannot be held
 *    and replayed like a request, only pinned. Other upgrade protocols are not tunnelled and are
 *    classified as plain requests.
 * 2. webhook: a POST whose path matches a `[[webhooks]]` path.
 * 3. asset: a GET or HEAD whose clean path is under the assets prefix. Other methods there fall
 *    through to the rules (a POST is unsafe); the edge may answer them 405 itself.
 * 4. the first `[[routes]]` rule (in file order) whose path and methods match.
 * 5. by method: GET, HEAD and OPTIONS are safe; everything else is unsafe.
 *
 * Only spellings the app may route the same way are tried: rules that make a request stricter
 * (webhooks and unsafe routes) match the lenient reading of the path (any case, "//" and a
 * trailing "/" ignored, "%2F" and "\" as separators, ".." resolved), and an unsafe rule listing
 * GET also covers HEAD; rules that make it laxer (safe routes, assets, default-safe methods)
 * match only the exact, clean path. So no encoding can turn an unsafe request safe or take a
 * webhook past its signature check, and a path that cannot be read exactly is at best unsafe.
 */
import { headerListsToken, type HeaderBag } from './header-values.js';
import { matchesPattern } from './path-pattern.js';
import type { RequestClassification, RouteClassification } from './request-class.js';
import { lenientSegments, readRequestPath, type RequestPath } from './request-path.js';
import type { TrafficMatcher } from './traffic-matcher.js';

const SAFE_BY_DEFAULT: RouteClassification = Object.freeze({ class: 'safe' });
const UNSAFE_BY_DEFAULT: RouteClassification = Object.freeze({ class: 'unsafe' });
const LIVE_ELSEWHERE: RequestClassification = Object.freeze({ class: 'live' });
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Classifies one request. `target` is the request target as received (`req.url`, query
 * included); `headers` are Node's (lower-case names). Pure and allocation-light; it never throws
 * on what Node hands over.
 */
export function classifyRequest(matcher: TrafficMatcher, method: string, target: string, headers: HeaderBag): RequestClassification {
  const path = readRequestPath(target);
  let lenient: string[] | undefined;
  const lenientPath = (): string[] => (lenient ??= lenientSegments(target, path));

  if (method === 'GET' && isWebSocketUpgrade(headers)) {
    if (!path.clean) return { class: 'live', pathProblem: path.problem };
    const live = matcher.live;
    return live && matchesPattern(live.pattern.exact, path.segments) ? live.classification : LIVE_ELSEWHERE;
  }
  if (method === 'POST') {
    for (const hook of matcher.webhooks) {
      if (!matchesPattern(hook.pattern.lenient, lenientPath())) continue;
      return path.clean ? hook.classification : { class: 'webhook', webhook: hook.spec, pathProblem: path.problem };
    }
  }
  if (path.clean && matcher.assetsPrefix !== null && (method === 'GET' || method === 'HEAD') && path.path.startsWith(matcher.assetsPrefix)) {
    return { class: 'asset', assetPath: path.path, otherwise: classifyByRoute(matcher, method, path, lenientPath) };
  }
  return classifyByRoute(matcher, method, path, lenientPath);
}

function classifyByRoute(matcher: TrafficMatcher, method: string, path: RequestPath, lenientPath: () => string[]): RouteClassification {
  for (const route of matcher.routes) {
    if (route.spec.class === 'safe') {
      if (!path.clean || (route.methods && !route.methods.has(method))) continue;
      if (matchesPattern(route.pattern.exact, path.segments)) return route.classification;
    } else {
      if (route.methods && !route.methods.has(method) && !(method === 'HEAD' && route.methods.has('GET'))) continue;
      if (!matchesPattern(route.pattern.lenient, lenientPath())) continue;
      return path.clean ? route.classification : { class: 'unsafe', route: route.spec, pathProblem: path.problem };
    }
  }
  if (!path.clean) return { class: 'unsafe', pathProblem: path.problem };
  return SAFE_METHODS.has(method) ? SAFE_BY_DEFAULT : UNSAFE_BY_DEFAULT;
}

/** What Node reports as `req.upgrade` for a WebSocket handshake. */
function isWebSocketUpgrade(headers: HeaderBag): boolean {
  return headerListsToken(headers, 'upgrade', 'websocket') && headerListsToken(headers, 'connection', 'upgrade');
}
