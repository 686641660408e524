/**
 * Durations in berth.toml: a string of one or more number-and-unit parts ("500ms", "10s", "15m",
 * "1h", "1h30m", "1.5s") or an integer of seconds. Parsed to whole milliseconds; a value that is not
 * a whole number of milliseconds is refused rather than rounded, so what a person wrote is exactly
 * what Berth waits.
 */

const UNIT_MS = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n } as const;
type DurationUnit = keyof typeof UNIT_MS;

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+)(?:\.(\d+))?(ms|s|m|h)/g;

/** Units from largest to smallest, used to print a duration back the way a person writes it. */
const FORMAT_ORDER: readonly DurationUnit[] = ['h', 'm', 's', 'ms'];

/**
 * Parses a duration to milliseconds. Strings take units `ms`, `s`, `m` and `h` (parts may be
 * combined, largest first or not: "1h30m"); numbers and bigints are whole seconds.
 * Throws a RangeError that says what is wrong when the input is not a duration.
 */
export function parseDuration(input: string | number | bigint): number {
  if (typeof input === 'bigint' || typeof input === 'number') return secondsToMs(input);
  if (!WHOLE.test(input)) {
    throw new RangeError(`"${input}" is not a duration: write a number with a unit (ms, s, m or h), like "30s" or "15m"`);
  }
  let total = 0n;
  for (const [, whole = '0', fraction = '', unit] of input.matchAll(PART)) {
    const scale = 10n ** BigInt(fraction.length);
    const numerator = BigInt(whole + fraction) * UNIT_MS[unit as DurationUnit];
    if (numerator % scale !== 0n) {
      throw new RangeError(`"${input}" is not a whole number of milliseconds`);
    }
    total += numerator / scale;
  }
  return toSafeNumber(total, input);
}

function secondsToMs(seconds: number | bigint): number {
  if (typeof seconds === 'number' && !Number.isInteger(seconds)) {
    throw new RangeError(`${seconds} is not a whole number of seconds: write a string like "1.5s" for fractions`);
  }
  const value = BigInt(seconds);
  if (value < 0n) throw new RangeError(`${value} is negative: a duration is 0 or more`);
  return toSafeNumber(value * 1000n, String(seconds));
}

function toSafeNumber(ms: bigint, shown: string): number {
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${shown} is too long a duration`);
  return Number(ms);
}

/**
 * Prints milliseconds in the largest unit that divides them exactly: 120000 → "2m",
 * 90000 → "90s", 1500 → "1500ms", 0 → "0s". The result parses back to the same value.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of FORMAT_ORDER) {
    const size = Number(UNIT_MS[unit]);
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
