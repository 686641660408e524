/**
 * Sizes in berth.toml: a string of a number and a unit ("512MiB", "1GiB", "100KB", "1.5GiB") or an
 * integer of bytes. Decimal units (KB, MB, GB, TB) count in powers of 1000, binary units (KiB, MiB,
 * GiB, TiB) in powers of 1024, as the IEC defines them. Units are case-sensitive so that "mb" (which
 * some tools read as megabits) is refused instead of guessed.
 */

const UNIT_BYTES = {
  B: 1n,
  KB: 1_000n,
  MB: 1_000_000n,
  GB: 1_000_000_000n,
  TB: 1_000_000_000_000n,
  KiB: 1n << 10n,
  MiB: 1n << 20n,
  GiB: 1n << 30n,
  TiB: 1n << 40n,
} as const;
type SizeUnit = keyof typeof UNIT_BYTES;

const SIZE = /^(\d+)(?:\.(\d+))?\s?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;

/** Binary units from largest to smallest, used to print a size back the way a person writes it. */
const FORMAT_ORDER: readonly SizeUnit[] = ['TiB', 'GiB', 'MiB', 'KiB', 'TB', 'GB', 'MB', 'KB'];

/**
 * Parses a size to bytes. Numbers and bigints are whole bytes. Throws a RangeError that says what
 * is wrong when the input is not a size, or is not a whole number of bytes ("1.1KiB").
 */
export function parseSize(input: string | number | bigint): number {
  if (typeof input === 'bigint' || typeof input === 'number') {
    if (typeof input === 'number' && !Number.isInteger(input)) {
      throw new RangeError(`${input} is not a whole number of bytes`);
    }
    if (input < 0) throw new RangeError(`${input} is negative: a size is 0 or more`);
    return toSafeNumber(BigInt(input), String(input));
  }
  const match = SIZE.exec(input);
  if (!match) {
    throw new RangeError(`"${input}" is not a size: write a number with a unit (B, KB, MB, GB, KiB, MiB or GiB), like "512MiB"`);
  }
  const [, whole = '0', fraction = '', unit] = match;
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole + fraction) * UNIT_BYTES[unit as SizeUnit];
  if (numerator % scale !== 0n) throw new RangeError(`"${input}" is not a whole number of bytes`);
  return toSafeNumber(numerator / scale, input);
}

function toSafeNumber(bytes: bigint, shown: string): number {
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${shown} is too large a size`);
  return Number(bytes);
}

/**
 * Prints bytes in the largest unit that divides them exactly, binary units first:
 * 4194304 → "4MiB", 100000 → "100KB", 1000 → "1KB", 1023 → "1023B".
 */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const unit of FORMAT_ORDER) {
    const size = Number(UNIT_BYTES[unit]);
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
