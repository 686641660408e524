/** The inclusive byte positions a Range header asks for, within a file of known size. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header (RFC 9110 §14) for a file of `size` bytes: `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. Returns the range to send, 'unsatisfiable' (answer 416) when it lies outside the
 * file, or undefined when the header is absent, malformed or asks for several ranges, in which
 * case the whole file is sent with 200, as the RFC allows a server to.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/.exec(header);
  if (match === null) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // A suffix: the last n bytes; a suffix of zero bytes selects nothing.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
