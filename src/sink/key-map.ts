/**
 * Values by Redis key, as a flush groups its rows: a key given as bytes that are valid UTF-8 is
 * the same Redis key as that text, and other byte keys are told apart by their bytes.
 *
 * For hot paths: {@link get} remembers where the key it was asked about goes, so that a
 * {@link setLast} right after it adds the key without working out its identity again.
 */
export class KeyMap<T> {
  #text = new Map<string, T>();
  /** Byte keys that are not UTF-8 text, by their bytes as latin1 text. */
  #binary: Map<string, T> | null = null;
  #lastMap: Map<string, T> = this.#text;
  #lastId = '';

  /** The value kept for `key`'s Redis key, if any. */
  get(key: string | Buffer): T | undefined {
    if (typeof key === 'string') {
      this.#lastMap = this.#text;
      this.#lastId = key;
    } else {
      const s = key.toString('utf8');
      if (Buffer.from(s, 'utf8').equals(key)) {
        this.#lastMap = this.#text;
        this.#lastId = s;
      } else {
        this.#lastMap = this.#binary ??= new Map();
        this.#lastId = key.toString('latin1');
      }
    }
    return this.#lastMap.get(this.#lastId);
  }

  /** Keeps `value` for the key of the last {@link get}. */
  setLast(value: T): void {
    this.#lastMap.set(this.#lastId, value);
  }

  /** Forgets every key. */
  clear(): void {
    this.#text = new Map();
    this.#binary = null;
    this.#lastMap = this.#text;
  }
}
