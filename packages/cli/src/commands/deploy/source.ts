import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { packSource } from '@berth/builder';
import { parseManifest, parseSize } from '@berth/core';
import type { ApiClient } from '../../api-client.js';
import type { Deployment } from '../../api-types.js';
import { CliError, usageError } from '../../cli-error.js';
import type { CommandContext } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';

/**
 * Where `berth deploy` gets its source and its app: a folder packed into a deterministic tar
 * (honouring .gitignore and .berthignore, so the same folder always has the same digest) and
 * streamed from a temporary file to the API; or a git URL and ref, which the server clones.
 */
export const defaultMaxSize = 256 * 1024 * 1024;

/** `--max-size`: bytes, or a size with a unit ("64MiB"). */
export function parseMaxSize(raw: string | undefined): number {
  if (raw === undefined) return defaultMaxSize;
  try {
    const bytes = /^\d+$/.test(raw) ? Number(raw) : parseSize(raw);
    if (bytes > 0) return bytes;
  } catch {
    // Reported below, the same way for every wrong value.
  }
  throw usageError(`--max-size must be a size such as 256MiB or 500MB: got "${raw}".`, 'Write a number of bytes, or a number with a unit: B, KB, MB, GB, KiB, MiB or GiB.');
}

/**
 * The app named by `name` in DIR/berth.toml, if there is one. A manifest that does not parse is
 * not refused here: the server checks it and reports every problem with its line and key.
 */
export async function appFromManifest(dir: string): Promise<{ app?: string; problem?: string }> {
  let text: string;
  try {
    text = await readFile(join(dir, 'berth.toml'), 'utf8');
  } catch {
    return {};
  }
  try {
    const name = parseManifest(text, join(dir, 'berth.toml')).name;
    return name ? { app: name } : {};
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** "512 KB", "12.3 MB": the size a person expects to see for an upload. */
export function humanSize(bytes: number): string {
  return bytes < 1_000_000 ? `${Math.max(1, Math.round(bytes / 1000))} KB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function deploymentsPath(app: string, environment: string | undefined): string {
  const query = environment ? `?environment=${encodeURIComponent(environment)}` : '';
  return `/api/apps/${encodeURIComponent(app)}/deployments${query}`;
}

/**
 * Packs DIR into a temporary file and uploads it with an Idempotency-Key made for this invocation:
 * a connection dropped mid-upload is retried once with the same key, and the server answers the
 * retry with the deploy the first attempt created, never a second one.
 */
export async function uploadFolder(ctx: CommandContext, client: ApiClient, options: { dir: string; app: string; environment?: string; maxBytes: number; say(text: string): void }): Promise<Deployment> {
  const scratch = await mkdtemp(join(tmpdir(), 'berth-deploy-'));
  try {
    const tarFile = join(scratch, 'source.tar');
    let packed;
    try {
      packed = await packSource(options.dir, tarFile, { maxBytes: options.maxBytes });
    } catch (error) {
      const e = error as { code?: unknown; message?: string };
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw usageError(`${options.dir} is not a folder.`, 'Give the folder to deploy, e.g. `berth deploy ./site --app site`.');
      if (e.code === 'source_too_large') throw usageError(e.message ?? 'The source is too large.', 'Add what the build does not need to .berthignore, or raise --max-size (the server has its own limit too).');
      throw error;
    }
    options.say(`Packing ${options.dir} (${packed.files} files, ${humanSize(packed.size)})`);
    if (ctx.signal.aborted) throw new CliError('interrupted', 'Interrupted before the upload; nothing was deployed.', { exitCode: ExitCode.interrupted });
    const file = { open: () => Readable.toWeb(createReadStream(tarFile)) as ReadableStream<Uint8Array>, size: packed.size, contentType: 'application/x-tar' };
    return await client.upload<Deployment>(deploymentsPath(options.app, options.environment), file, { idempotencyKey: `cli-deploy-${randomUUID()}` });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Asks the server to clone URL at REF; the same Idempotency-Key rule as an upload. */
export async function deployGit(client: ApiClient, options: { url: string; ref: string; app: string; environment?: string }): Promise<Deployment> {
  return client.post<Deployment>(deploymentsPath(options.app, options.environment), { git: { url: options.url, ref: options.ref } }, { idempotencyKey: `cli-deploy-${randomUUID()}` });
}
