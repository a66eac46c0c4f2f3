/**
 * The cache of a lookup table: least-recently-used eviction under a byte budget, a time to live
 * per entry, and optional negative entries (a key known to be absent).
 *
 * ```
 *   map: key → slot                        (O(1) find)
 *
 *   head ⇄ s1 ⇄ s2 ⇄ ... ⇄ sn ⇄ head       (circular list of slots through a sentinel, slot 0)
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

/** Slots of a fresh cache (it grows by doubling). */
const INITIAL_SLOTS = 64;
/** Slot of the list's sentinel. */
const HEAD = 0;

const defaultClock: CacheClock = { now: () => performance.now() };

/**
 * An LRU cache bounded by estimated bytes, with a time to live.
 *
 * Entries live in slots of parallel arrays — the list links in two `Int32Array`s, expiry and size
 * in `Float64Array`s — rather than in an object each: moving a hit to the front touches a few
 * compact arrays instead of three scattered objects, which is what a get costs in a cache of a
 * hundred thousand keys (the link arrays stay in the processor's cache; the objects did not).
 */
export class LookupCache<V> {
  readonly maxBytes: number;
  readonly ttlMs: number | null;
  readonly #clock: CacheClock;
  /** key → slot. */
  readonly #map = new Map<string, number>();
  #keys: string[] = [];
  #values: (V | null)[] = [];
  /** Circular list through {@link HEAD}: `next[HEAD]` is the most recent slot, `prev[HEAD]` the least. */
  #prev = new Int32Array(INITIAL_SLOTS);
  #next = new Int32Array(INITIAL_SLOTS);
  #expiresAt = new Float64Array(INITIAL_SLOTS);
  #sizes = new Float64Array(INITIAL_SLOTS);
  /** Slots given back by dropped entries, reused first. */
  #free: number[] = [];
  /** Slots ever used (slot 0 included). */
  #used = 1;
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
  }

  /**
   * The cached value: a value, `null` for a negative entry, or `undefined` when the key is not
   * cached (or its entry expired). Counts a hit or a miss and makes the entry the most recent.
   */
  get(key: string): V | null | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) {
      this.#misses++;
      return undefined;
    }
    if (this.ttlMs !== null && this.#clock.now() >= this.#expiresAt[slot]) {
      this.#drop(slot);
      this.#expirations++;
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    if (this.#next[HEAD] !== slot) {
      this.#unlink(slot);
      this.#linkFront(slot);
    }
    return this.#values[slot];
  }

  /** Whether a live entry exists, without counting or reordering. */
  has(key: string): boolean {
    const slot = this.#map.get(key);
    return slot !== undefined && (this.ttlMs === null || this.#clock.now() < this.#expiresAt[slot]);
  }

  /**
   * Stores `value` (null: a negative entry) as the most recent entry, with a fresh time to live,
   * then evicts least-recent entries until the budget holds. Returns false when the entry alone
   * exceeds the budget: then it is not stored, and an older entry of the key is dropped.
   */
  set(key: string, value: V | null, valueBytes: number): boolean {
    const bytes = entryBytes(key, valueBytes);
    let slot = this.#map.get(key);
    if (bytes > this.maxBytes) {
      if (slot !== undefined) this.#drop(slot);
      return false;
    }
    const expiresAt = this.ttlMs === null ? Number.POSITIVE_INFINITY : this.#clock.now() + this.ttlMs;
    if (slot !== undefined) {
      this.#bytes += bytes - this.#sizes[slot];
      if (this.#next[HEAD] !== slot) {
        this.#unlink(slot);
        this.#linkFront(slot);
      }
    } else {
      slot = this.#allocate();
      this.#keys[slot] = key;
      this.#map.set(key, slot);
      this.#linkFront(slot);
      this.#bytes += bytes;
    }
    this.#values[slot] = value;
    this.#sizes[slot] = bytes;
    this.#expiresAt[slot] = expiresAt;
    while (this.#bytes > this.maxBytes) {
      // The new entry fits the budget alone, so the loop stops before reaching it.
      this.#drop(this.#prev[HEAD]);
      this.#evictions++;
    }
    return true;
  }

  /** Drops a key's entry; true when there was one. */
  delete(key: string): boolean {
    const slot = this.#map.get(key);
    if (slot === undefined) return false;
    this.#drop(slot);
    return true;
  }

  /** Drops every entry (counters are kept). */
  clear(): void {
    this.#map.clear();
    this.#keys = [];
    this.#values = [];
    this.#free = [];
    this.#used = 1;
    this.#prev[HEAD] = HEAD;
    this.#next[HEAD] = HEAD;
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
    for (let slot = this.#next[HEAD]; slot !== HEAD; slot = this.#next[slot]) out.push(this.#keys[slot]);
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

  #allocate(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.#prev.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a);
        return b;
      };
      this.#prev = grow(this.#prev);
      this.#next = grow(this.#next);
      this.#expiresAt = grow(this.#expiresAt);
      this.#sizes = grow(this.#sizes);
    }
    return this.#used++;
  }

  #linkFront(slot: number): void {
    const first = this.#next[HEAD];
    this.#prev[slot] = HEAD;
    this.#next[slot] = first;
    this.#prev[first] = slot;
    this.#next[HEAD] = slot;
  }

  #unlink(slot: number): void {
    const prev = this.#prev[slot];
    const next = this.#next[slot];
    this.#next[prev] = next;
    this.#prev[next] = prev;
  }

  #drop(slot: number): void {
    this.#unlink(slot);
    this.#map.delete(this.#keys[slot]);
    this.#bytes -= this.#sizes[slot];
    this.#values[slot] = null; // let the row go
    this.#keys[slot] = '';
    this.#free.push(slot);
  }
}
