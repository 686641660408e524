export * from './route-feed.js';
export * from './route-signing.js';
export * from './asset-manifest-checksum.js';
