import { extname } from 'node:path';

/**
 * The content types the edge sends for immutable assets, by file extension. The table is small
 * on purpose: it covers what web builds emit, and anything else is served as bytes rather than
 * guessed at. Text types carry `charset=utf-8` so that browsers never sniff an encoding.
 */
const TEXT = '; charset=utf-8';

export const contentTypes: Readonly<Record<string, string>> = {
  html: `text/html${TEXT}`,
  css: `text/css${TEXT}`,
  js: `text/javascript${TEXT}`,
  mjs: `text/javascript${TEXT}`,
  json: `application/json${TEXT}`,
  map: `application/json${TEXT}`,
  svg: `image/svg+xml${TEXT}`,
  txt: `text/plain${TEXT}`,
  xml: `application/xml${TEXT}`,
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The content type for a file name, by its extension, case-insensitively. */
export function contentTypeFor(fileName: string): string {
  const extension = extname(fileName).slice(1).toLowerCase();
  return Object.hasOwn(contentTypes, extension) ? contentTypes[extension]! : DEFAULT_CONTENT_TYPE;
}
