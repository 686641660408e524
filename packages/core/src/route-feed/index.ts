export * from './route-feed.js';
export * from './route-signing.js';
