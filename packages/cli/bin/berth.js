#!/usr/bin/env node
// The `berth` command. The CLI is TypeScript compiled into ../dist; a clone that was not built yet
// gets a clear instruction instead of a module-not-found stack trace.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('berth is not built: run `npm run build`\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
