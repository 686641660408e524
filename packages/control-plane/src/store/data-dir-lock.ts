import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '@berth/core';

/**
 * PGlite has no lock of its own, and a second process opening the same data directory corrupts it.
 * This lock file makes the second opener fail with a clear error that names the holder. A lock left
 * by a process that died (SIGKILL, power loss) is recognised as stale and taken over.
 */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, 'berth.lock');
  const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command: describeCommand() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me) + '\n');
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            const holder = readHolder(path);
            if (holder?.pid === me.pid) unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && isAlive(holder)) {
        throw new BerthError('data_dir_locked', `The data directory ${dataDir} is in use by process ${holder.pid} on ${holder.hostname} (started ${holder.startedAt}: ${holder.command}).`, {
          details: { dataDir, holder },
        });
      }
      // The holder is gone: the lock is stale. Remove it and try again.
      try {
        unlinkSync(path);
      } catch {
        // Another starter removed it first; the next attempt settles who wins.
      }
    }
  }
  throw new BerthError('data_dir_locked', `Could not take the lock on ${dataDir}: another process keeps taking it.`, { details: { dataDir } });
}

/**
 * What the holder was started as, for the refusal message: the program and its first word only,
 * never the rest of the command line, which may carry a token or a database password.
 */
function describeCommand(): string {
  const program = (process.argv[1] ?? 'node').split('/').pop() ?? 'node';
  const verb = process.argv[2] && !process.argv[2].startsWith('-') ? ` ${process.argv[2]}` : '';
  return `${program}${verb}`;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  // A lock from another host cannot be checked from here; treat it as held.
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
