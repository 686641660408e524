/**
 * Encoding of POSIX ustar headers, with a PAX extended header in front when a value does not fit.
 * Every field that could vary between two machines is fixed: mtime 0, uid and gid 0, empty user
 * and group names, no device numbers. That is what makes the same tree give the same bytes.
 */

export const BLOCK_SIZE = 512;

/** The entry kinds Berth writes. Anything else in a tree (devices, sockets, FIFOs) is refused. */
export type WritableEntryType = 'file' | 'directory' | 'symlink';

export interface EntryHeader {
  /** The archive path; directories end with `/`. */
  path: string;
  type: WritableEntryType;
  /** Already normalised permission bits, such as 0o644. */
  mode: number;
  /** Content length in bytes; 0 for directories and symlinks. */
  size: number;
  /** The symlink target; empty for other types. */
  linkTarget: string;
}

const TYPE_FLAGS: Record<WritableEntryType, string> = { file: '0', directory: '5', symlink: '2' };
const NAME_LENGTH = 100;
// The largest value eleven octal digits can hold; a larger size needs a PAX `size` record.
const MAX_OCTAL_SIZE = 0o77777777777;
// PAX headers get one fixed name so that they, too, are identical from run to run.
const PAX_HEADER_NAME = 'PaxHeader';

/** The bytes that introduce one entry: PAX header blocks if needed, then the ustar header block. */
export function encodeEntryHeader(entry: EntryHeader): Buffer {
  const pax: Array<[string, string]> = [];
  if (Buffer.byteLength(entry.path) > NAME_LENGTH) pax.push(['path', entry.path]);
  if (Buffer.byteLength(entry.linkTarget) > NAME_LENGTH) pax.push(['linkpath', entry.linkTarget]);
  if (entry.size > MAX_OCTAL_SIZE) pax.push(['size', String(entry.size)]);

  const block = ustarBlock(entry.path, TYPE_FLAGS[entry.type], entry.mode, entry.size > MAX_OCTAL_SIZE ? 0 : entry.size, entry.linkTarget);
  if (pax.length === 0) return block;
  const records = encodePaxRecords(pax);
  const paxHeader = ustarBlock(PAX_HEADER_NAME, 'x', 0o644, records.length, '');
  return Buffer.concat([paxHeader, records, Buffer.alloc(paddingFor(records.length)), block]);
}

/** Zero bytes that bring a body of `size` bytes up to a whole block. */
export function paddingFor(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK_SIZE * 2);
}

function ustarBlock(path: string, typeFlag: string, mode: number, size: number, linkTarget: string): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  // Long values are cut at 100 bytes; the PAX record in front carries the full value, and readers
  // that know PAX (every current one) use it instead.
  Buffer.from(path, 'utf8').copy(block, 0, 0, NAME_LENGTH);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0); // mtime
  block.write(typeFlag, 156, 1, 'ascii');
  Buffer.from(linkTarget, 'utf8').copy(block, 157, 0, NAME_LENGTH);
  block.write('ustar\u000000', 257, 8, 'ascii');
  // uname, gname, devmajor, devminor and prefix stay zero-filled.
  writeChecksum(block);
  return block;
}

/** Writes the header checksum: the byte sum of the block with the checksum field read as spaces. */
export function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

/**
 * PAX records are `<length> <key>=<value>\n`, where the length counts the whole record in bytes,
 * its own digits included; so the length is found by trying until it stops changing.
 */
function encodePaxRecords(records: Array<[string, string]>): Buffer {
  const parts = records.map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    const bodyLength = Buffer.byteLength(body);
    let length = bodyLength + String(bodyLength).length;
    if (String(length).length !== String(length - bodyLength).length) length = bodyLength + String(length).length;
    return Buffer.from(`${length}${body}`, 'utf8');
  });
  return Buffer.concat(parts);
}
