import { BuildError } from '../build/build-error.js';

/**
 * Refuses a URL or ref that git could read as an option. Arguments are always passed as an array
 * and after `--` where git allows it, so this is the second guard, not the only one: a value like
 * `--upload-pack=touch /tmp/x` must never reach git in any position. Control characters are refused
 * too, because a newline in a ref would end up in log lines and messages as a forged line.
 */
export function assertSafeArgument(what: 'url' | 'ref', value: string): void {
  if (value.trim() === '') throw new BuildError('git', `The repository ${what} is empty.`);
  if (value.startsWith('-')) {
    throw new BuildError('git', `The repository ${what} "${describe(what, value)}" starts with "-", which git would read as an option; it is refused.`);
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new BuildError('git', `The repository ${what} contains a control character; it is refused.`);
  }
}

/**
 * The URL as it may be shown: a password or token in the user-info part (https://user:token@host)
 * is replaced with "***", and so is a bare user-info that may itself be a token
 * (https://ghp_xxx@github.com). scp-like addresses (git@host:repo) keep their user, which is a
 * login name and not a secret.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_match, scheme: string, userInfo: string) => {
    const colon = userInfo.indexOf(':');
    if (colon === -1) return isLoginName(userInfo) ? `${scheme}${userInfo}@` : `${scheme}***@`;
    return `${scheme}${userInfo.slice(0, colon)}:***@`;
  });
}

/**
 * The secret strings a URL carries, raw and percent-decoded, so that they can be scrubbed from
 * anything git prints: git may echo the URL in either form in its own messages.
 */
export function urlSecrets(url: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url);
  if (match === null || match[1] === undefined) return [];
  const userInfo = match[1];
  const colon = userInfo.indexOf(':');
  const parts = colon === -1 ? (isLoginName(userInfo) ? [] : [userInfo]) : [userInfo.slice(colon + 1), userInfo];
  const secrets = new Set<string>();
  for (const part of parts) {
    if (part === '') continue;
    secrets.add(part);
    secrets.add(safeDecode(part));
  }
  return [...secrets];
}

/**
 * Whether a lone user name looks like an ordinary login ("git", "deploy") rather than a token.
 * Tokens are long; logins are short words. A login is neither hidden nor scrubbed from output,
 * where scrubbing a word like "git" would garble every message.
 */
function isLoginName(user: string): boolean {
  return /^[a-z_][a-z0-9_.-]{0,15}$/i.test(user);
}

function describe(what: 'url' | 'ref', value: string): string {
  const shown = what === 'url' ? redactUrl(value) : value;
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
