// The build: copies the stylesheet into dist/assets under a content-hashed name and writes a
// small manifest the server reads. Deterministic, so the same source builds the same artifact.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const css = readFileSync('src/shop.css');
const name = `shop.${createHash('sha256').update(css).digest('hex').slice(0, 12)}.css`;
mkdirSync('dist/assets', { recursive: true });
writeFileSync(`dist/assets/${name}`, css);
writeFileSync('dist/asset-names.json', JSON.stringify({ css: `/assets/${name}` }) + '\n');
console.log(`built dist/assets/${name}`);
