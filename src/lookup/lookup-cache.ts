/**
 * The cache of a lookup table: least-recently-used eviction under a byte budget, a time to live
 * per entry, and optional negative entries (a key known to be absent).
 *
 * ```
 *   map: key → entry                       (O(1) find)
 *
 *   head ⇄ e1 ⇄ e2 ⇄ ... ⇄ en ⇄ head       (circular list through a sentinel)
 *         most recent      least recent    get/set move an entry to the front (O(1));
 *                                          eviction takes from the back (O(1) each)
 * ```
 *
 * Sizes are estimates given by the caller (key + value); the cache guarantees that the sum of the
 * sizes of its entries never exceeds `maxBytes`. An entry larger than the whole budget is not
 * stored. Expiry is checked when an entry is read: an expired entry is a miss and is dropped.
 * Time comes from an injected clock, so tests move it by hand (actors/clock.ts `ManualClock`).
 */

/** What the cache needs of a clock. */
export interface CacheClock {
  now(): number;
}

/** Options of {@link LookupCache}. */
export interface LookupCacheOptions {
  /** Budget for the estimated size of all entries, bytes. */
  maxBytes: number;
  /** Time to live of an entry from when it was set, ms; null or undefined: until evicted. */
  ttlMs?: number | null;
  /** Time source; default `performance.now()`-based. */
  clock?: CacheClock;
}

/** Counters of a cache, cumulative except `entries` and `bytes`. */
export interface LookupCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped to stay within `maxBytes`. */
  evictions: number;
  /** Entries dropped because their time to live had passed when read. */
  expirations: number;
  entries: number;
  bytes: number;
  maxBytes: number;
}

/** Fixed cost of an entry on top of its key and value (list node, map slot), bytes; an estimate. */
export const ENTRY_OVERHEAD = 96;

/** Estimated size of an entry: {@link ENTRY_OVERHEAD} + two bytes per key character + the value's. */
export function entryBytes(key: string, valueBytes: number): number {
  return ENTRY_OVERHEAD + 2 * key.length + valueBytes;
}

interface Entry<V> {
  key: string;
  /** null: a negative entry (the key is known to be absent). */
  value: V | null;
  bytes: number;
  expiresAt: number;
  prev: Entry<V>;
  next: Entry<V>;
}

const defaultClock: CacheClock = { now: () => performance.now() };

/** An LRU cache bounded by estimated bytes, with a time to live. */
export class LookupCache<V> {
  readonly maxBytes: number;
  readonly ttlMs: number | null;
  readonly #clock: CacheClock;
  readonly #map = new Map<string, Entry<V>>();
  /** Sentinel of the circular list: `head.next` is the most recent entry, `head.prev` the least. */
  readonly #head: Entry<V>;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;

  constructor(options: LookupCacheOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs ?? null;
    this.#clock = options.clock ?? defaultClock;
    const head = { key: '', value: null, bytes: 0, expiresAt: 0 } as unknown as Entry<V>;
    head.prev = head;
    head.next = head;
    this.#head = head;
  }

  /**
   * The cached value: a value, `null` for a negative entry, or `undefined` when the key is not
   * cached (or its entry expired). Counts a hit or a miss and makes the entry the most recent.
   */
  get(key: string): V | null | undefined {
    const e = this.#map.get(key);
    if (e === undefined) {
      this.#misses++;
      return undefined;
    }
    if (this.ttlMs !== null && this.#clock.now() >= e.expiresAt) {
      this.#drop(e);
      this.#expirations++;
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    if (this.#head.next !== e) {
      unlink(e);
      this.#linkFront(e);
    }
    return e.value;
  }

  /** Whether a live entry exists, without counting or reordering. */
  has(key: string): boolean {
    const e = this.#map.get(key);
    return e !== undefined && (this.ttlMs === null || this.#clock.now() < e.expiresAt);
  }

  /**
   * Stores `value` (null: a negative entry) as the most recent entry, with a fresh time to live,
   * then evicts least-recent entries until the budget holds. Returns false when the entry alone
   * exceeds the budget: then it is not stored, and an older entry of the key is dropped.
   */
  set(key: string, value: V | null, valueBytes: number): boolean {
    const bytes = entryBytes(key, valueBytes);
    let e = this.#map.get(key);
    if (bytes > this.maxBytes) {
      if (e !== undefined) this.#drop(e);
      return false;
    }
    const expiresAt = this.ttlMs === null ? Number.POSITIVE_INFINITY : this.#clock.now() + this.ttlMs;
    if (e !== undefined) {
      this.#bytes += bytes - e.bytes;
      e.value = value;
      e.bytes = bytes;
      e.expiresAt = expiresAt;
      if (this.#head.next !== e) {
        unlink(e);
        this.#linkFront(e);
      }
    } else {
      e = { key, value, bytes, expiresAt } as Entry<V>;
      this.#linkFront(e);
      this.#map.set(key, e);
      this.#bytes += bytes;
    }
    while (this.#bytes > this.maxBytes) {
      // The new entry fits the budget alone, so the loop stops before reaching it.
      this.#drop(this.#head.prev);
      this.#evictions++;
    }
    return true;
  }

  /** Drops a key's entry; true when there was one. */
  delete(key: string): boolean {
    const e = this.#map.get(key);
    if (e === undefined) return false;
    this.#drop(e);
    return true;
  }

  /** Drops every entry (counters are kept). */
  clear(): void {
    this.#map.clear();
    this.#head.next = this.#head;
    this.#head.prev = this.#head;
    this.#bytes = 0;
  }

  /** Entries stored (expired ones not yet read included). */
  get size(): number {
    return this.#map.size;
  }

  /** Estimated bytes of all entries; never above `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys from most to least recently used (for tests and diagnostics; O(n)). */
  keys(): string[] {
    const out: string[] = [];
    for (let e = this.#head.next; e !== this.#head; e = e.next) out.push(e.key);
    return out;
  }

  stats(): LookupCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      entries: this.#map.size,
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
    };
  }

  #linkFront(e: Entry<V>): void {
    const head = this.#head;
    e.prev = head;
    e.next = head.next;
    head.next.prev = e;
    head.next = e;
  }

  #drop(e: Entry<V>): void {
    unlink(e);
    this.#map.delete(e.key);
    this.#bytes -= e.bytes;
  }
}

function unlink<V>(e: Entry<V>): void {
  e.prev.next = e.next;
  e.next.prev = e.prev;
}
