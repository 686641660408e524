/**
 * What a secret may be called and how large its value may be. The name rule is the manifest's
 * (core's SECRET_NAME): secrets reach the app as environment variables, so a name the manifest can
 * require is a name that can be stored, and no other.
 */
export const secretNamePattern = '^[A-Z_][A-Z0-9_]*$';
export const maxSecretNameLength = 128;
/** 64 KiB of UTF-8: room for a certificate chain or a service-account file, not for a data set. */
export const maxSecretValueBytes = 64 * 1024;

const nameRegExp = new RegExp(secretNamePattern);

/** What is wrong with a secret name, or undefined. Names are not secret, so the message may quote it. */
export function checkSecretName(name: string): string | undefined {
  if (name.length > maxSecretNameLength) return `a secret name must be at most ${maxSecretNameLength} characters (got ${name.length})`;
  if (nameRegExp.test(name)) return undefined;
  const upper = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const hint = nameRegExp.test(upper) ? `; did you mean "${upper}"?` : '';
  return `"${name.slice(0, 140)}" is not a secret name: use upper-case letters, digits and "_", not starting with a digit${hint}`;
}

/**
 * Whether `value` may be stored. The refusal never quotes the value, nor says how long it was:
 * the message is the same for a number, an object and an oversized string.
 */
export function isSecretValue(value: unknown): value is string {
  return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= maxSecretValueBytes;
}

export const secretValueRule = `must be a string of at most ${maxSecretValueBytes} bytes`;
