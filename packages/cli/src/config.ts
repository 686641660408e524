import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, usageError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * The CLI's saved login: `$XDG_CONFIG_HOME/berth/config.json` (or `~/.config/berth/config.json`)
 * with the API URL and the token. It holds a secret, so the folder is 0700 and the file 0600, and
 * it is replaced atomically so that a crash never leaves half a file.
 */
export interface ConfigFile {
  apiUrl?: string;
  token?: string;
}

export interface ConfigStore {
  readonly path: string;
  read(): ConfigFile;
  write(config: ConfigFile): void;
}

export const defaultApiUrl = 'http://127.0.0.1:7070';

export function configPath(where: { xdgConfigHome: string | undefined; home: string }): string {
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = where.xdgConfigHome && where.xdgConfigHome.startsWith('/') ? where.xdgConfigHome : join(where.home, '.config');
  return join(base, 'berth', 'config.json');
}

function invalidConfig(path: string, why: string): CliError {
  return new CliError('invalid_config', `The config file ${path} ${why}.`, { exitCode: ExitCode.environment, suggestion: `Fix it, or delete it and run \`berth login\` again.` });
}

export function fileConfigStore(path: string): ConfigStore {
  return {
    path,
    read() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw invalidConfig(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw invalidConfig(path, 'is not valid JSON');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidConfig(path, 'is not a JSON object');
      const { apiUrl, token } = parsed as Record<string, unknown>;
      if (apiUrl !== undefined && typeof apiUrl !== 'string') throw invalidConfig(path, 'has an "apiUrl" that is not a string');
      if (token !== undefined && typeof token !== 'string') throw invalidConfig(path, 'has a "token" that is not a string');
      return { ...(apiUrl !== undefined ? { apiUrl } : {}), ...(token !== undefined ? { token } : {}) };
    },
    write(config) {
      const dir = dirname(path);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
    },
  };
}

/** Where the CLI sends its requests, and where each setting came from (for whoami and errors). */
export interface ApiTarget {
  url: string;
  urlSource: string;
  token: string | undefined;
  tokenSource: string | undefined;
}

/** Checks an API URL and drops a trailing slash; `setting` names where it came from when it is wrong. */
export function normalizeApiUrl(raw: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${setting} is not a URL: "${raw}".`, `Give the API's address, e.g. ${defaultApiUrl}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${setting} must be an http:// or https:// URL: got "${raw}".`, `Give the API's address, e.g. ${defaultApiUrl}.`);
  if (url.search || url.hash) throw usageError(`${setting} must not have a query or fragment: got "${raw}".`, `Give the API's address alone, e.g. ${defaultApiUrl}.`);
  return url.toString().replace(/\/+$/, '');
}

/** Flags win over the environment, which wins over the config file, which wins over the default. */
export function resolveApiTarget(sources: { flags: { api?: string; token?: string }; env: { apiUrl?: string; token?: string }; file: ConfigFile; filePath: string }): ApiTarget {
  const { flags, env, file, filePath } = sources;
  const [rawUrl, urlSource] =
    flags.api !== undefined ? [flags.api, '--api'] : env.apiUrl ? [env.apiUrl, 'BERTH_API_URL'] : file.apiUrl ? [file.apiUrl, `"apiUrl" in ${filePath}`] : [defaultApiUrl, 'the default'];
  const [token, tokenSource] =
    flags.token !== undefined ? [flags.token, '--token'] : env.token ? [env.token, 'BERTH_TOKEN'] : file.token ? [file.token, filePath] : [undefined, undefined];
  if (token !== undefined && !/^\S+$/.test(token)) throw usageError(`The token from ${tokenSource} is empty or contains spaces.`, 'A Berth token is one word (berth_...): copy it again, or run `berth login`.');
  return { url: normalizeApiUrl(rawUrl, urlSource), urlSource, token, tokenSource };
}
