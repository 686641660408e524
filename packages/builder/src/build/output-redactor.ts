/** What every secret value in build output is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Replaces secret values in a stream of text before anyone sees it. Output arrives in chunks cut
 * wherever the pipe happened to cut it, so a secret can be split across two chunks; the redactor
 * therefore holds back the last (longest secret - 1) characters of each chunk until the next one
 * arrives. Nothing held back can be a whole secret, and nothing delivered can be the start of
 * one that the next chunk completes.
 *
 * Matching is done on the raw text, never on text already redacted, so a secret that happens to
 * be a substring of "[redacted]" cannot redact the marker again.
 */
export class OutputRedactor {
  private readonly secrets: string[];
  private readonly keep: number;
  private carry = '';

  constructor(secrets: readonly string[]) {
    // Longest first, so that when one secret contains another the whole of the longer one goes.
    this.secrets = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
    this.keep = Math.max(0, (this.secrets[0]?.length ?? 0) - 1);
  }

  /** Redacts what can be decided now and returns it; the undecided end waits for the next chunk. */
  push(text: string): string {
    if (this.secrets.length === 0) return text;
    return this.redact(this.carry + text, this.keep);
  }

  /**
   * Returns what is still held back, redacted. When the stream was cut short (`cut`), a held-back
   * end that looks like the start of a secret is redacted too, because the rest of it will never
   * come to prove otherwise; on a normal end, the output is complete and such an end is just text.
   */
  flush(cut = false): string {
    let rest = this.redact(this.carry, 0);
    this.carry = '';
    if (cut) rest = redactPartialEnd(rest, this.secrets);
    return rest;
  }

  private redact(text: string, keep: number): string {
    // A match that starts before `limit` has room for the longest secret, so it is complete.
    const limit = text.length - keep;
    let out = '';
    let at = 0;
    while (at < limit) {
      const match = this.nextMatch(text, at, limit);
      if (match === null) {
        out += text.slice(at, limit);
        at = limit;
        break;
      }
      out += text.slice(at, match.index) + REDACTED;
      at = match.index + match.length;
    }
    this.carry = text.slice(at);
    return out;
  }

  private nextMatch(text: string, from: number, limit: number): { index: number; length: number } | null {
    let best: { index: number; length: number } | null = null;
    for (const secret of this.secrets) {
      const index = text.indexOf(secret, from);
      if (index === -1 || index >= limit) continue;
      if (best === null || index < best.index) best = { index, length: secret.length };
    }
    return best;
  }
}

function redactPartialEnd(text: string, secrets: readonly string[]): string {
  let longest = 0;
  for (const secret of secrets) {
    for (let length = Math.min(secret.length - 1, text.length); length > longest; length--) {
      if (text.endsWith(secret.slice(0, length))) longest = length;
    }
  }
  return longest === 0 ? text : text.slice(0, text.length - longest) + REDACTED;
}
