import { setTimeout as sleep } from 'node:timers/promises';
import type { AllocationLogLine } from '../api-types.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import type { Style } from '../output/style.js';
import { isoTime } from '../output/time.js';
import { shortId } from './allocs/format.js';

/** The API's largest page of lines. */
const pageSize = 500;
const pollMs = 1000;
/**
 * How far back each poll of --follow reads again. Runners send output in batches, so a line
 * stamped a moment ago can arrive after a newer line of another allocation was already read;
 * reading the last few seconds again (and dropping what was printed) still catches it.
 */
const lateMs = 5000;

const durationPattern = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `--since 10m`, `1h30m`, `2d` (back from now) or an ISO date/time: the instant, in ms. */
export function parseSince(raw: string, now: number): number {
  const match = durationPattern.exec(raw);
  if (match && raw !== '') {
    const [d, h, m, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
    return now - (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(at)) throw usageError(`--since must be a duration such as 10m, 1h30m or 2d, or an ISO time: got "${raw}".`, 'For example --since 15m, or --since 2026-01-01T10:00:00Z.');
  return at;
}

/** `2026-01-01T10:00:00.000Z  Q69G5FAV  stderr | text`, one printed line per line of text. */
export function formatLogLine(line: AllocationLogLine, style: Style): string {
  const stream = line.stream === 'stderr' ? style.red(line.stream.padEnd(6)) : style.dim(line.stream.padEnd(6));
  const prefix = `${style.dim(isoTime(line.at))}  ${shortId(line.allocationId)}  ${stream} | `;
  return line.text.replace(/\r?\n$/, '').split('\n').map((text) => prefix + text).join('\n');
}

/**
 * `berth logs --app APP`: the runtime output of an app's allocations, oldest first, and with
 * --follow new lines each second until Ctrl-C (exit 130, like `ops watch`). Lines are named by
 * allocation and seq, so a line read twice (pages and polls overlap on purpose) prints once.
 */
export default defineCommand({
  path: ['logs'],
  summary: 'Print an app\'s runtime output (stdout and stderr of its allocations); -f follows it',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    env: { type: 'string', value: 'ENV', help: 'only this environment (default: every environment)' },
    follow: { type: 'boolean', short: 'f', help: 'keep printing new lines, polling each second, until Ctrl-C (exit 130); not with --json' },
    since: { type: 'string', value: 'DURATION|ISO', help: 'only lines after this: 10m, 1h30m, 2d back from now, or an ISO time (default: all that is kept)' },
  },
  examples: ['berth logs --app shop', 'berth logs --app shop --env production -f --since 10m', 'berth logs --app shop --since 2026-01-01T10:00:00Z --json | jq -r \'.items[].text\''],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth logs`.', 'For example `berth logs --app shop -f`.');
    // --json promises one document; a stream that never ends has none to give.
    if (ctx.json && flags.follow) throw usageError('--json and --follow do not go together: --json prints one document.', 'Drop --follow for the lines so far as one JSON document, or drop --json to follow as text.');
    const since = flags.since === undefined ? undefined : parseSince(flags.since, ctx.clock.now());
    const client = ctx.client();
    const path = `/api/apps/${encodeURIComponent(flags.app)}/logs`;
    const seen = new Map<string, number>();
    let newest: number | undefined;

    /** Every line after `fromMs` not printed yet, paging on while pages come back full. */
    async function readNew(fromMs: number | undefined): Promise<AllocationLogLine[]> {
      const fresh: AllocationLogLine[] = [];
      let after = fromMs;
      for (;;) {
        const { items } = await client.get<{ items: AllocationLogLine[] }>(path, { env: flags.env, since: after === undefined ? undefined : new Date(after).toISOString(), limit: pageSize });
        for (const line of items) {
          const key = `${line.allocationId}:${line.seq}`;
          if (seen.has(key)) continue;
          const at = Date.parse(line.at);
          seen.set(key, at);
          newest = Math.max(newest ?? at, at);
          fresh.push(line);
        }
        const last = items.at(-1);
        if (!last || items.length < pageSize) return fresh;
        // The API takes lines strictly after `since`: page on from the last line's millisecond
        // minus one, so lines sharing it beyond this page are not skipped (repeats are dropped
        // above); always a millisecond forward at least, so a crowded millisecond cannot stall.
        const lastMs = Date.parse(last.at);
        after = after === undefined ? lastMs - 1 : Math.max(lastMs - 1, after + 1);
      }
    }

    const show = (lines: AllocationLogLine[]) => {
      for (const line of lines) ctx.out.line(formatLogLine(line, ctx.out.style));
    };
    const first = await readNew(since);
    show(first);
    if (!flags.follow) {
      const where = flags.env ? `${flags.app} (${flags.env})` : flags.app;
      ctx.out.result({ items: first, nextCursor: null }, () => (first.length === 0 ? ctx.out.style.dim(`No output from ${where}${flags.since ? ` since ${flags.since}` : ''}.`) : ''));
      return;
    }

    ctx.out.note(`Following the output of ${flags.app}${flags.env ? ` (${flags.env})` : ''}; Ctrl-C stops.`);
    for (;;) {
      await sleep(pollMs, undefined, { signal: ctx.signal });
      const fromMs = newest === undefined ? since : Math.max(newest - lateMs, since ?? -Infinity);
      // Lines before the window are never read again: forget them. (Times come truncated to the
      // millisecond, so a line shown at `fromMs` may lie just after it and is kept.)
      for (const [key, at] of seen) if (fromMs !== undefined && at < fromMs) seen.delete(key);
      show(await readNew(fromMs));
    }
  },
});
