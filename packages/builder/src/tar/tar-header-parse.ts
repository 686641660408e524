import { BLOCK_SIZE } from './tar-header.js';
import { TarError } from './tar-error.js';

/**
 * Decoding of tar header blocks as other tools write them, so the reader accepts archives from
 * GNU tar, bsdtar and Berth alike. It only decodes; deciding what is safe to extract is the
 * extractor's job.
 */

/** One header block, decoded field by field, before PAX or GNU long-name overrides. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeFlag: string;
  linkName: string;
}

/** Decodes one 512-byte header; returns null for an all-zero block, which marks the end. */
export function parseHeaderBlock(block: Buffer, offset: number): RawHeader | null {
  if (block.every((byte) => byte === 0)) return null;
  const recorded = readNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old writers summed signed bytes; accepting both costs nothing and refuses nothing real.
  if (recorded !== unsigned && recorded !== signed) {
    throw new TarError(`The archive is damaged or not a tar file: bad header checksum at byte ${offset}.`);
  }
  const isUstar = block.toString('ascii', 257, 262) === 'ustar';
  const name = readString(block, 0, 100);
  const prefix = isUstar ? readString(block, 345, 155) : '';
  return {
    name: prefix === '' ? name : `${prefix}/${name}`,
    mode: readNumber(block, 100, 8),
    uid: readNumber(block, 108, 8),
    gid: readNumber(block, 116, 8),
    size: readNumber(block, 124, 12),
    mtime: readNumber(block, 136, 12),
    typeFlag: String.fromCharCode(block[156] ?? 0),
    linkName: readString(block, 157, 100),
  };
}

/**
 * Parses PAX records (`<length> <key>=<value>\n`). The length counts bytes, not characters, so the
 * parsing walks the buffer rather than a decoded string.
 */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space === -1) break;
    const length = Number.parseInt(data.toString('ascii', position, space), 10);
    if (!Number.isSafeInteger(length) || length <= 0 || position + length > data.length) {
      throw new TarError('The archive has a malformed PAX extended header.');
    }
    const record = data.toString('utf8', space + 1, position + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    position += length;
  }
  return records;
}

function readString(block: Buffer, offset: number, width: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end === -1 || end > offset + width ? offset + width : end);
}

/** Reads an octal field, or GNU's base-256 form (high bit set) used for values too large for octal. */
function readNumber(block: Buffer, offset: number, width: number): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < width; i++) value = value * 256 + (block[offset + i] ?? 0);
    return value;
  }
  const text = block.toString('ascii', offset, offset + width).replace(/[\0 ]+/g, ' ').trim();
  if (text === '') return 0;
  const value = Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value) || !/^[0-7]+$/.test(text)) {
    throw new TarError(`The archive is damaged or not a tar file: a numeric header field holds ${JSON.stringify(text)}.`);
  }
  return value;
}
