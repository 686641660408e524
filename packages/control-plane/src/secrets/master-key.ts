import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '@berth/core';

/**
 * The master key seals every secret at rest. It comes from BERTH_MASTER_KEY when the operator sets
 * it (required when several control planes share one PostgreSQL: they must all hold the same key),
 * and otherwise from `<dataDir>/master-key`, generated at first start. Losing it makes every stored
 * secret unreadable, so the file is written once and never replaced.
 */
export const masterKeyBytes = 32;

export interface MasterKey {
  /** 32 bytes. Never log it: pass it straight to `createSecretBox`. */
  key: Buffer;
  /** Where it came from, for the start-up log line (which must not print the key). */
  source: 'env' | 'file' | 'generated';
  /** The key file, when the key lives in one. */
  file?: string;
}

const expectedForm = 'exactly 32 bytes, written as 64 hexadecimal characters or as base64 (44 characters, e.g. the output of `openssl rand -base64 32`)';

/** Parses the two accepted spellings; undefined when the text is neither (the caller says what is wrong, without echoing it). */
export function parseMasterKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  // Buffer's base64 decoder skips characters it does not know, so the alphabet is checked first.
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === masterKeyBytes) return key;
  }
  return undefined;
}

export function loadMasterKey(options: { envValue?: string | undefined; dataDir: string }): MasterKey {
  if (options.envValue !== undefined && options.envValue !== '') {
    const key = parseMasterKey(options.envValue);
    if (!key) {
      throw new BerthError('invalid_config', `BERTH_MASTER_KEY is not a valid master key: it must be ${expectedForm}.`, {
        suggestion: 'Set BERTH_MASTER_KEY to the output of `openssl rand -base64 32`, or unset it to use the key file in the data directory.',
      });
    }
    return { key, source: 'env' };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, 'master-key');
  const existing = readKeyFile(file);
  if (existing) return { key: existing, source: 'file', file };
  const generated = randomBytes(masterKeyBytes);
  if (writeKeyFileOnce(file, generated)) return { key: generated, source: 'generated', file };
  // Another process starting at the same moment wrote its key first: use that one, so both agree.
  const theirs = readKeyFile(file);
  if (!theirs) throw new BerthError('invalid_config', `The master key file ${file} vanished while it was being read.`, { suggestion: 'Start the control plane again.' });
  return { key: theirs, source: 'file', file };
}

/** The key in `file`, or undefined when there is no file yet. Refuses a file others can read. */
function readKeyFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const mode = fstatSync(fd).mode;
    if ((mode & 0o077) !== 0) {
      throw new BerthError('invalid_config', `The master key file ${file} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); Berth refuses to use a key others may have copied.`, {
        suggestion: `Run \`chmod 600 ${file}\`, and consider the stored secrets exposed if others could read it.`,
      });
    }
    const key = parseMasterKey(readFileSync(fd, 'utf8'));
    if (!key) {
      throw new BerthError('invalid_config', `The master key file ${file} does not hold a valid key: it must be ${expectedForm}.`, {
        suggestion: 'Restore the file from a backup; replacing it makes the stored secrets unreadable.',
      });
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the key to a private temporary file, then links it into place: link() fails when the
 * name exists, so exactly one of several starters wins, and the file a reader sees is never
 * half-written. Returns false when another process won.
 */
function writeKeyFileOnce(file: string, key: Buffer): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, key.toString('base64') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}
