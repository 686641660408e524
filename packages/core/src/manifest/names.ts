/**
 * The names a manifest uses: the app name, secret names, HTTP header names, session-state
 * versions, store bindings and project-relative folders. Each check returns what is wrong, or
 * undefined.
 */
import type { StringCheck } from './table-reader.js';

/** A DNS label, so that the name can be a hostname part: `^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$`. */
export const APP_NAME = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** An environment-variable style name, as secrets are passed to the app. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** A version tag: letters, digits, ".", "_" and "-", starting with a letter or digit. */
const VERSION_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A binding name: a letter, then letters, digits, "_" and "-". */
const BINDING_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const checkAppName: StringCheck = (name) => {
  if (!APP_NAME.test(name)) {
    return `must be 1 to 40 lowercase letters, digits and "-", starting with a letter and not ending with "-", got ${JSON.stringify(name)}`;
  }
  // "--" is refused anywhere, not only where DNS reserves it ("xn--" punycode labels), so that no
  // app name can pass for such a label and "--" stays free as a separator in derived hostnames.
  return name.includes('--') ? `must not contain "--", got ${JSON.stringify(name)}` : undefined;
};

export const checkSecretName: StringCheck = (name) => {
  if (SECRET_NAME.test(name)) return undefined;
  const upper = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const hint = SECRET_NAME.test(upper) ? `; did you mean "${upper}"?` : '';
  return `must be a secret name in environment-variable style (A-Z, 0-9 and "_", not starting with a digit), got ${JSON.stringify(name)}${hint}`;
};

export const checkHeaderName: StringCheck = (name) =>
  HEADER_NAME.test(name) ? undefined : `must be an HTTP header name (letters, digits and "-"), got ${JSON.stringify(name)}`;

export const checkVersionTag: StringCheck = (tag) =>
  VERSION_TAG.test(tag) ? undefined : `must be a version tag like "v1" or "2024-06-01" (letters, digits, ".", "_" and "-"), got ${JSON.stringify(tag)}`;

export const checkBindingName: StringCheck = (name) =>
  BINDING_NAME.test(name) ? undefined : `must be a binding name (a letter, then letters, digits, "_" and "-"), got ${JSON.stringify(name)}`;

/**
 * A folder inside the project, written relative to the folder holding berth.toml: no absolute
 * paths, no "..", no backslashes (manifests are read on every platform the same way), and not the
 * project root itself (serving or migrating the whole tree is never what was meant).
 */
export const checkProjectFolder: StringCheck = (dir) => {
  if (dir.startsWith('/') || /^[A-Za-z]:/.test(dir) || dir.startsWith('~')) return `must be relative to the project, not absolute, got ${JSON.stringify(dir)}`;
  if (dir.includes('\\')) return `must use "/" between folders, got ${JSON.stringify(dir)}`;
  const parts = dir.split('/').filter((p) => p !== '' && p !== '.');
  if (dir.split('/').includes('..')) return `must stay inside the project (no ".."), got ${JSON.stringify(dir)}`;
  if (parts.length === 0) return `must name a folder inside the project, not the project itself, got ${JSON.stringify(dir)}`;
  return undefined;
};

/** `./dist/` → `dist`: the folder as a plain relative path. */
export function normalizeFolder(dir: string): string {
  return dir
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}
