import type { Exchange } from '../exchange.js';
import type { AssetManifestEntry } from './asset-manifest.js';
import type { AssetMount } from './asset-mount.js';
import { sendAsset } from './asset-response.js';

/** What the request handler does with a request that turns out not to be an asset: proxy it as usual. */
export type NotAnAsset = (exchange: Exchange, expectContinue: boolean) => void;

/**
 * Serves a request under a route's asset prefix if its path is a file of the deployment's asset
 * manifest. Returns false, synchronously and having done nothing, when the manifest is loaded and
 * does not list the path: the caller proxies it. Returns true when the request is taken: answered
 * now (a warm asset), or answered once the manifest or the file arrives. No allocation is ever
 * involved, so an asset is served even when the route has no ready target.
 */
export function serveAsset(exchange: Exchange, mount: AssetMount, expectContinue: boolean, notAnAsset: NotAnAsset): boolean {
  const manifest = mount.site.manifest;
  if (manifest !== undefined) {
    const entry = manifest.get(assetPath(exchange.req.url!));
    if (entry === undefined) return false;
    answer(exchange, mount, entry);
    return true;
  }
  void mount.site.load().then((loaded) => {
    if (exchange.clientGone) return;
    if (!loaded) return exchange.refuse('asset_unavailable');
    const entry = mount.site.manifest!.get(assetPath(exchange.req.url!));
    if (entry === undefined) notAnAsset(exchange, expectContinue);
    else answer(exchange, mount, entry);
  });
  return true;
}

function answer(exchange: Exchange, mount: AssetMount, entry: AssetManifestEntry): void {
  const method = exchange.req.method;
  if (method !== 'GET' && method !== 'HEAD') return exchange.refuse('asset_method_not_allowed', undefined, ['Allow', 'GET, HEAD']);
  const files = mount.site.files;
  const bytes = files.inMemory(entry);
  if (bytes !== undefined) return sendAsset(exchange, mount, entry, { bytes });
  files.get(mount.site.digest, entry).then(
    (blob) => {
      if (!exchange.clientGone) sendAsset(exchange, mount, entry, blob);
    },
    (error: unknown) => {
      if (!exchange.clientGone) exchange.refuse('asset_unavailable', error);
    },
  );
}

/**
 * The manifest's key for a request target: the path without its query, percent-decoded (manifest
 * paths are decoded). A path that does not decode is not in any manifest.
 */
export function assetPath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return '';
  }
}
