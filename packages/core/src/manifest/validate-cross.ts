/**
 * Checks that need more than one table: paths that two declarations claim, paths the edge would
 * answer from the assets before the app could see them, and traffic declared for an assets-only
 * app that has no process to receive it. Each problem is reported at the later declaration and
 * names the line of the earlier one.
 */
import type { AssetsSpec, HttpMethod, LiveSpec, RouteSpec, RunSpec, WebhookSpec } from './manifest.js';
import type { ProblemList } from './problems.js';
import { listWords } from './toml-values.js';
import { isUnderPrefix, patternShape } from './url-path.js';
import type { Indexed } from './validate-traffic.js';

export interface CrossFieldInput {
  readonly run: RunSpec | undefined;
  /** Whether `[run]` is written at all, even if it failed to validate. */
  readonly hasRunTable: boolean;
  readonly assets: AssetsSpec | undefined;
  readonly routes: readonly Indexed<RouteSpec>[];
  readonly webhooks: readonly Indexed<WebhookSpec>[];
  readonly live: LiveSpec | undefined;
}

export function checkCrossFields(problems: ProblemList, input: CrossFieldInput): void {
  checkAssetsOnly(problems, input);
  checkRoutePaths(problems, input.routes);
  checkWebhookPaths(problems, input);
  checkLivePath(problems, input);
}

function checkAssetsOnly(problems: ProblemList, { hasRunTable, assets, routes, webhooks, live }: CrossFieldInput): void {
  if (hasRunTable || !assets) return;
  const why = 'an assets-only app has no process to send these requests to; add [run] with the command that starts the app';
  if (routes.length > 0) problems.add(['routes', 0], '[[routes]]', `needs [run]: ${why}`);
  if (webhooks.length > 0) problems.add(['webhooks', 0], '[[webhooks]]', `needs [run]: ${why}`);
  if (live) problems.add(['live'], '[live]', `needs [run]: ${why}`);
}

/** Two routes with the same pattern may coexist only when their methods do not overlap. */
function checkRoutePaths(problems: ProblemList, routes: readonly Indexed<RouteSpec>[]): void {
  routes.forEach((later, j) => {
    for (const earlier of routes.slice(0, j)) {
      if (patternShape(earlier.spec.path) !== patternShape(later.spec.path)) continue;
      const shared = sharedMethods(earlier.spec.methods, later.spec.methods);
      if (shared.length === 0) continue;
      const line = problems.lineOf(['routes', earlier.index, 'path']);
      const which = shared.length === 1 && shared[0] === '*' ? 'every method' : listWords(shared, false);
      problems.add(['routes', later.index, 'path'], '[[routes]] path', `${JSON.stringify(later.spec.path)} is already declared by the route on line ${line} for ${which}; give each method one rule`);
      return;
    }
  });
}

/** The methods both lists match, or ['*'] when both match every method. */
function sharedMethods(a: readonly HttpMethod[] | undefined, b: readonly HttpMethod[] | undefined): string[] {
  if (!a && !b) return ['*'];
  if (!a) return [...(b ?? [])];
  if (!b) return [...a];
  return a.filter((m) => b.includes(m));
}

function checkWebhookPaths(problems: ProblemList, { routes, webhooks, assets }: CrossFieldInput): void {
  webhooks.forEach((hook, j) => {
    const at = ['webhooks', hook.index, 'path'];
    const shape = patternShape(hook.spec.path);
    const route = routes.find((r) => patternShape(r.spec.path) === shape);
    const twin = webhooks.slice(0, j).find((w) => patternShape(w.spec.path) === shape);
    if (route) {
      const line = problems.lineOf(['routes', route.index, 'path']);
      problems.add(at, '[[webhooks]] path', `${JSON.stringify(hook.spec.path)} is also the path of the route on line ${line}; a path is either a route or a webhook`);
    } else if (twin) {
      const line = problems.lineOf(['webhooks', twin.index, 'path']);
      problems.add(at, '[[webhooks]] path', `${JSON.stringify(hook.spec.path)} is already the path of the webhook on line ${line}`);
    }
    if (assets && shadowedByAssets(hook.spec.path, assets)) {
      problems.add(at, '[[webhooks]] path', `${JSON.stringify(hook.spec.path)} is under the assets prefix ${JSON.stringify(assets.prefix)}, which the edge answers from the artifact; move the webhook out of it`);
    }
  });
}

function checkLivePath(problems: ProblemList, { live, webhooks, assets }: CrossFieldInput): void {
  if (!live || live.path === '') return;
  if (assets && shadowedByAssets(live.path, assets)) {
    problems.add(['live', 'path'], '[live] path', `${JSON.stringify(live.path)} is under the assets prefix ${JSON.stringify(assets.prefix)}, which the edge answers from the artifact; move the WebSocket path out of it`);
  }
  const hook = webhooks.find((w) => patternShape(w.spec.path) === patternShape(live.path));
  if (hook) {
    const line = problems.lineOf(['webhooks', hook.index, 'path']);
    problems.add(['live', 'path'], '[live] path', `${JSON.stringify(live.path)} is also the path of the webhook on line ${line}`);
  }
}

/**
 * Whether the assets prefix covers `path`. A prefix of "/" is exempt: the edge then serves only
 * the files the artifact's asset manifest lists, which the builder knows and this parser does not.
 */
function shadowedByAssets(path: string, assets: AssetsSpec): boolean {
  return assets.prefix !== '/' && isUnderPrefix(path, assets.prefix);
}
