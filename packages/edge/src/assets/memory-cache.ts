/**
 * Bytes kept in memory by key, bounded by their total size: the least recently used entries go
 * first. A Map keeps insertion order, so touching an entry is a delete and a set, and the oldest
 * entry is always the first one.
 */
export class MemoryCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Buffer | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Keeps `value` unless it alone is larger than the bound; evicts the least recently used to make room. */
  set(key: string, value: Buffer): void {
    if (value.length > this.maxBytes) return;
    const held = this.#entries.get(key);
    if (held !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= held.length;
    }
    for (const [oldest, bytes] of this.#entries) {
      if (this.#bytes + value.length <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= bytes.length;
    }
    this.#entries.set(key, value);
    this.#bytes += value.length;
  }
}
