import { open, type FileHandle } from 'node:fs/promises';
import { BLOCK_SIZE, paddingFor } from './tar-header.js';
import { parseHeaderBlock, parsePaxRecords } from './tar-header-parse.js';
import { TarError } from './tar-error.js';

/** What an entry is, as far as Berth cares; hard links and special files are listed but never extracted. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One entry as recorded in the archive, after PAX and GNU long-name records are applied. */
export interface TarEntryInfo {
  /** The path exactly as recorded (directories usually end with `/`); not yet checked for safety. */
  path: string;
  type: TarEntryType;
  /** The raw type flag, kept so that a refusal can say what it saw. */
  typeFlag: string;
  mode: number;
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  linkTarget: string;
}

export interface TarEntry extends TarEntryInfo {
  /** Streams the entry's body. Valid until the reader moves past the entry's iteration step. */
  contents(): AsyncIterable<Buffer>;
}

const CHUNK_SIZE = 64 * 1024;
// Metadata records (PAX, GNU long names) are read whole; a bound keeps a hostile archive from
// making the reader allocate gigabytes for a "file name".
const MAX_METADATA_SIZE = 1024 * 1024;
const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/**
 * Reads a tar file entry by entry without loading it: headers are read one block at a time and
 * bodies are streamed on request with positional reads, so memory stays flat for any archive size.
 * It takes a path, or a handle the caller already holds (and keeps: the reader does not close it),
 * so that a caller who verified a file's digest through a handle reads exactly those bytes.
 */
export async function* readTar(source: string | FileHandle): AsyncGenerator<TarEntry> {
  const handle = typeof source === 'string' ? await open(source, 'r') : source;
  try {
    let position = 0;
    let pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const header = parseHeaderBlock(await readExactly(handle, position, BLOCK_SIZE), position);
      if (header === null) return;
      const bodyStart = position + BLOCK_SIZE;
      const isMetadata = ['x', 'g', 'L', 'K'].includes(header.typeFlag);
      const paxSize = pax.get('size');
      const size = !isMetadata && paxSize !== undefined ? Number(paxSize) : header.size;
      if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`The archive records an invalid size for ${header.name}.`, header.name);
      position = bodyStart + size + paddingFor(size);

      if (isMetadata) {
        if (size > MAX_METADATA_SIZE) throw new TarError(`The archive has a ${size}-byte metadata record; the limit is ${MAX_METADATA_SIZE}.`);
        const data = await readExactly(handle, bodyStart, size);
        // Global PAX headers ('g') set defaults Berth never relies on, so they are read and dropped.
        if (header.typeFlag === 'x') pax = parsePaxRecords(data);
        if (header.typeFlag === 'L') longName = cString(data);
        if (header.typeFlag === 'K') longLink = cString(data);
        continue;
      }

      const entry: TarEntry = {
        path: pax.get('path') ?? longName ?? header.name,
        type: TYPES[header.typeFlag] ?? 'other',
        typeFlag: header.typeFlag,
        mode: header.mode & 0o7777,
        size,
        mtime: header.mtime,
        uid: header.uid,
        gid: header.gid,
        linkTarget: pax.get('linkpath') ?? longLink ?? header.linkName,
        contents: () => readRange(handle, bodyStart, size, header.name),
      };
      pax = new Map();
      longName = undefined;
      longLink = undefined;
      yield entry;
    }
  } finally {
    if (typeof source === 'string') await handle.close();
  }
}

/** Lists every entry of an archive without reading any body. */
export async function listTar(source: string | FileHandle): Promise<TarEntryInfo[]> {
  const entries: TarEntryInfo[] = [];
  for await (const { contents: _contents, ...info } of readTar(source)) entries.push(info);
  return entries;
}

async function* readRange(handle: FileHandle, start: number, size: number, path: string): AsyncGenerator<Buffer> {
  let done = 0;
  while (done < size) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, size - done));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start + done);
    if (bytesRead === 0) throw new TarError(`The archive ends in the middle of ${path}.`, path);
    done += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    // A missing end-of-archive marker means the file was cut short, so it is refused, not guessed at.
    if (bytesRead === 0) throw new TarError(`The archive is truncated: it ends at byte ${position + done} without an end-of-archive marker.`);
    done += bytesRead;
  }
  return buffer;
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end === -1 ? data.length : end);
}
