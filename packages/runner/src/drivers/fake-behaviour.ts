/**
 * What the fake driver's app is told to do, from `BERTH_FAKE` in the allocation's environment.
 * Either a JSON object with these fields, or keywords separated by commas:
 *
 * - `crash-after:<ms>`: serve, then exit with code 1 after ms.
 * - `hang`: never open the port.
 * - `exit:<code>`: exit at once with the code.
 * - `ignore-sigterm`: trap SIGTERM and keep running.
 * - `late-ready:<ms>`: open the port, but answer 503 on the health path until ms have passed.
 * - `oom` or `oom:<ms>`: serve, and after ms (default 0) allocate memory until killed.
 *
 * Without BERTH_FAKE the app serves 200 `fake <allocationId>` on every path until told to stop.
 */
export interface FakeBehaviour {
  crashAfterMs?: number;
  hang?: boolean;
  exitCode?: number;
  ignoreSigterm?: boolean;
  lateReadyMs?: number;
  /** The health path that `late-ready` answers 503 on; absent, every path answers 503 while it warms up. */
  healthPath?: string;
  oomAfterMs?: number;
}

const numberFields = ['crashAfterMs', 'exitCode', 'lateReadyMs', 'oomAfterMs'] as const;

/** Parses BERTH_FAKE; an unknown keyword is an error, so a typo in a test fails loudly rather than passing vacuously. */
export function parseFakeBehaviour(value: string | undefined): FakeBehaviour {
  const text = value?.trim() ?? '';
  if (text === '') return {};
  if (text.startsWith('{')) return checkJson(JSON.parse(text) as Record<string, unknown>);
  const behaviour: FakeBehaviour = {};
  for (const word of text.split(',').map((part) => part.trim())) {
    const [keyword, argument] = word.split(':', 2) as [string, string | undefined];
    const count = argument === undefined ? undefined : Number(argument);
    if (count !== undefined && !Number.isInteger(count)) throw new Error(`BERTH_FAKE: "${word}" needs a whole number after the colon`);
    if (keyword === 'crash-after' && count !== undefined) behaviour.crashAfterMs = count;
    else if (keyword === 'hang' && count === undefined) behaviour.hang = true;
    else if (keyword === 'exit' && count !== undefined) behaviour.exitCode = count;
    else if (keyword === 'ignore-sigterm' && count === undefined) behaviour.ignoreSigterm = true;
    else if (keyword === 'late-ready' && count !== undefined) behaviour.lateReadyMs = count;
    else if (keyword === 'oom') behaviour.oomAfterMs = count ?? 0;
    else throw new Error(`BERTH_FAKE: unknown behaviour "${word}" (known: crash-after:<ms>, hang, exit:<code>, ignore-sigterm, late-ready:<ms>, oom[:<ms>])`);
  }
  return behaviour;
}

function checkJson(value: Record<string, unknown>): FakeBehaviour {
  for (const field of numberFields) {
    if (value[field] !== undefined && !Number.isInteger(value[field])) throw new Error(`BERTH_FAKE: ${field} must be a whole number`);
  }
  if (value.healthPath !== undefined && typeof value.healthPath !== 'string') throw new Error('BERTH_FAKE: healthPath must be a string');
  return value as FakeBehaviour;
}

/**
 * The fake app itself: a plain Node HTTP server, run with `node -e` so it needs no file. It reads
 * the allocation id and its behaviour (as JSON) from its arguments and PORT from its environment,
 * like any app would.
 */
export const fakeAppSource = String.raw`
const http = require('node:http');
const [allocationId, behaviourJson] = process.argv.slice(1);
const b = JSON.parse(behaviourJson);
const startedAt = Date.now();
if (b.exitCode !== undefined) process.exit(b.exitCode);
let server;
process.on('SIGTERM', () => {
  if (b.ignoreSigterm) { console.log('fake: ignoring SIGTERM'); return; }
  console.log('fake: SIGTERM, closing');
  process.exit(0);
});
if (b.hang) {
  console.log('fake: hanging without opening the port');
  setInterval(() => {}, 1 << 30);
} else {
  server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const warming = b.lateReadyMs !== undefined && Date.now() - startedAt < b.lateReadyMs;
    if (warming && (b.healthPath === undefined || b.healthPath === path)) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('warming up');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('fake ' + allocationId);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('fake ' + allocationId + ' listening on 127.0.0.1:' + process.env.PORT));
}
if (b.crashAfterMs !== undefined) setTimeout(() => { console.error('fake: crashing as told'); process.exit(1); }, b.crashAfterMs);
if (b.oomAfterMs !== undefined) {
  setTimeout(() => {
    console.log('fake: allocating memory until killed');
    const hoard = [];
    setInterval(() => hoard.push(Buffer.alloc(16 * 1024 * 1024, 1)), 20);
  }, b.oomAfterMs);
}
`;
