/**
 * Resolves join keys against a Redis lookup table, one input batch at a time:
 *
 * ```
 * lookup(keys)                         keys: the text of each input row's join value, or null
 *   1. null key            → null, never sent (not even as the bare prefix)
 *   2. cache               → hit (a row, or null for a cached miss), no round trip
 *   3. distinct misses     → one pipeline: MGET (per slot on a cluster) or HMGET/HGETALL per key
 *   4. retry               → connection failures, timeouts, TRYAGAIN/LOADING/...: back off, resend
 *                            the units still unanswered, within the table's attempts and timeout
 *   5. decode + cache      → rows in the input's order; a key repeated in the batch is read once
 * ```
 *
 * One promise per batch; no promise, closure or timer per key. Rows handed out are shared with
 * the cache and between equal keys of a batch: treat them as read-only.
 */

import { performance } from 'node:perf_hooks';
import type { LaminarLogger } from '../log.js';
import {
  errorsTotal,
  lookupCacheBytes,
  lookupCacheHitsTotal,
  lookupCacheMissesTotal,
  lookupDurationSeconds,
  lookupsTotal,
} from '../metrics/instruments.js';
import {
  ClusterError,
  ConnectionError,
  OfflineQueueFullError,
  ReplyError,
  TimeoutError,
} from '../resp/errors.js';
import type { Command, Reply } from '../resp/reply.js';
import { LookupError } from './errors.js';
import { type FetchPlan, planFetch, type UnitKind } from './fetch-plan.js';
import { type CacheClock, LookupCache, type LookupCacheStats } from './lookup-cache.js';
import { connectLookupTarget, type LookupTarget } from './lookup-target.js';
import type { LookupRow, LookupTable } from './model.js';
import { RowDecoder } from './row-decoder.js';

/** Options of {@link RedisLookup} and {@link createRedisLookup}. */
export interface RedisLookupOptions {
  /** Time source of the cache's time to live. Default: the process's monotonic clock. */
  clock?: CacheClock;
  /** First backoff delay between attempts, ms; doubles per attempt, with jitter. Default {@link DEFAULT_RETRY_DELAY_MS}. */
  retryDelayMs?: number;
  /** Where a connection made with `tls.insecure` is reported (a warning). Default: silent. */
  logger?: LaminarLogger;
}

/** First backoff delay between attempts, ms. */
export const DEFAULT_RETRY_DELAY_MS = 50;

/** Error replies that may pass when the same command is sent again a moment later. */
const TRANSIENT = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN']);

/** Counters of a lookup table, cumulative; what a benchmark or a test reads. */
export interface LookupStats {
  /** `lookup()` calls. */
  batches: number;
  /** Non-null keys looked up (cache hits included). */
  keys: number;
  /** Null keys, answered null without a lookup. */
  nullKeys: number;
  /** Keys answered by the cache (cached misses included). */
  hits: number;
  /** Keys not in the cache (all keys when there is no cache). */
  misses: number;
  /** Distinct keys read from Redis. */
  fetched: number;
  /** Of those, keys that held a value. */
  found: number;
  /** Pipelines sent to Redis (first attempts and retries). */
  roundTrips: number;
  /** Units (commands) resent after a failed attempt. */
  retries: number;
  /** Batches that failed with a LookupError. */
  errors: number;
  /** The cache's own counters, or null without a cache. */
  cache: LookupCacheStats | null;
}

/** A lookup table bound to a connection. Create it with {@link createRedisLookup}. */
export class RedisLookup {
  readonly table: LookupTable;
  readonly #target: LookupTarget;
  readonly #ownsTarget: boolean;
  readonly #decoder: RowDecoder;
  readonly #cache: LookupCache<LookupRow> | null;
  readonly #negative: boolean;
  readonly #kind: UnitKind;
  readonly #cluster: boolean;
  readonly #retryDelay: number;
  readonly #callOptions: { returnBuffers: boolean };
  readonly #metrics;
  readonly #stats = {
    batches: 0,
    keys: 0,
    nullKeys: 0,
    hits: 0,
    misses: 0,
    fetched: 0,
    found: 0,
    roundTrips: 0,
    retries: 0,
    errors: 0,
  };

  /**
   * @param target the connection; a standalone client or a cluster client. Give it a
   *   `commandTimeout` (as {@link createRedisLookup} does), or a stopped server stalls a batch.
   * @param ownsTarget close the target in {@link close}. Default true.
   */
  constructor(
    table: LookupTable,
    target: LookupTarget,
    options: RedisLookupOptions & { ownsTarget?: boolean } = {},
  ) {
    this.table = table;
    this.#target = target;
    this.#ownsTarget = options.ownsTarget ?? true;
    this.#decoder = new RowDecoder(table);
    this.#cache =
      table.cache === null
        ? null
        : new LookupCache<LookupRow>({
            maxBytes: table.cache.maxBytes,
            ttlMs: table.cache.ttlMs,
            clock: options.clock,
          });
    this.#negative = table.cache?.negative ?? false;
    this.#kind = table.valueType === 'string' ? 'mget' : table.hashFetch === 'all' ? 'hgetall' : 'hmget';
    this.#cluster = target.topology === 'cluster';
    this.#retryDelay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.#callOptions = { returnBuffers: this.#decoder.needsBuffers };
    const labels = { table: table.name };
    this.#metrics = {
      lookups: lookupsTotal.labels(labels),
      hits: lookupCacheHitsTotal.labels(labels),
      misses: lookupCacheMissesTotal.labels(labels),
      duration: lookupDurationSeconds.labels(labels),
      cacheBytes: lookupCacheBytes.labels(labels),
    };
  }

  /** The column the join compares with. */
  get keyColumn(): string {
    return this.table.keyColumn;
  }

  /**
   * The row of each key, in order: a row of the table's columns, or null when the key is null or
   * Redis holds nothing under it.
   *
   * @throws LookupError (`ERR_LOOKUP`) naming a key when Redis did not answer within the table's
   *   attempts and timeout, or answered an error retrying cannot fix.
   * @throws LookupValueError (`ERR_LOOKUP_VALUE`) for a stored value that does not fit, under
   *   `'lookup.bad_value' = 'fail'`.
   */
  async lookup(keys: readonly (string | null)[]): Promise<(LookupRow | null)[]> {
    const n = keys.length;
    const out = new Array<LookupRow | null>(n).fill(null);
    const st = this.#stats;
    st.batches++;
    const cache = this.#cache;
    // Per input position: the index of its key among the distinct keys to fetch, or -1.
    const fetchIndex = new Int32Array(n).fill(-1);
    const distinct = new Map<string, number>();
    const toFetch: string[] = [];
    let hits = 0;
    let nullKeys = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (key === null || key === undefined) {
        nullKeys++;
        continue;
      }
      if (cache !== null) {
        const cached = cache.get(key);
        if (cached !== undefined) {
          out[i] = cached;
          hits++;
          continue;
        }
      }
      let at = distinct.get(key);
      if (at === undefined) {
        at = toFetch.push(key) - 1;
        distinct.set(key, at);
      }
      fetchIndex[i] = at;
    }
    const looked = n - nullKeys;
    st.keys += looked;
    st.nullKeys += nullKeys;
    st.hits += hits;
    st.misses += looked - hits;
    this.#metrics.lookups.inc(looked);
    this.#metrics.hits.inc(hits);
    this.#metrics.misses.inc(looked - hits);
    if (toFetch.length === 0) return out;

    const started = performance.now();
    let rows: (LookupRow | null)[];
    try {
      rows = await this.#fetch(toFetch);
    } catch (e) {
      st.errors++;
      errorsTotal.inc({ table: this.table.name, code: e instanceof LookupError ? e.code : 'ERR_LOOKUP' });
      throw e;
    } finally {
      this.#metrics.duration.observe((performance.now() - started) / 1000);
    }
    for (let i = 0; i < n; i++) {
      const at = fetchIndex[i];
      if (at !== -1) out[i] = rows[at];
    }
    if (cache !== null) this.#metrics.cacheBytes.set(cache.bytes);
    return out;
  }

  /** Counters so far (a snapshot). */
  stats(): LookupStats {
    return { ...this.#stats, cache: this.#cache?.stats() ?? null };
  }

  /** Drops every cached entry: the next batches read Redis. */
  clearCache(): void {
    this.#cache?.clear();
  }

  /** Closes the connection (when this lookup opened it). Later lookups fail. */
  async close(): Promise<void> {
    if (this.#ownsTarget) await this.#target.close();
  }

  /** Reads distinct keys: one pipeline per attempt, resending only the units left unanswered. */
  async #fetch(keys: readonly string[]): Promise<(LookupRow | null)[]> {
    const t = this.table;
    const plan = planFetch(keys, {
      prefix: t.keyPrefix,
      kind: this.#kind,
      fields: this.#decoder.fields,
      cluster: this.#cluster,
    });
    const rows = new Array<LookupRow | null>(keys.length).fill(null);
    this.#stats.fetched += keys.length;
    let pending: number[] = Array.from({ length: plan.commands.length }, (_, u) => u);
    const deadline = performance.now() + t.timeoutMs;
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      const commands: Command[] = new Array(pending.length);
      for (let j = 0; j < pending.length; j++) commands[j] = plan.commands[pending[j]];
      let replies: Reply[] | undefined;
      this.#stats.roundTrips++;
      try {
        replies = await this.#send(plan, pending, commands);
      } catch (e) {
        if (!retryable(e)) throw this.#failure(plan, keys, pending[0], e, attempt);
        lastError = e;
      }
      if (replies !== undefined) {
        const left: number[] = [];
        for (let j = 0; j < pending.length; j++) {
          const u = pending[j];
          const reply = replies[j];
          if (reply instanceof Error) {
            if (!retryable(reply)) throw this.#failure(plan, keys, u, reply, attempt);
            lastError = reply;
            left.push(u);
            continue;
          }
          this.#decodeUnit(plan, u, keys, reply, rows);
        }
        pending = left;
        if (pending.length === 0) return rows;
      }
      // No new attempt once the table's timeout has passed (each attempt is bounded by its share).
      if (attempt >= t.maxAttempts || performance.now() >= deadline) {
        throw this.#failure(plan, keys, pending[0], lastError, attempt);
      }
      this.#stats.retries += pending.length;
      await sleep(backoff(this.#retryDelay, attempt));
    }
  }

  #send(plan: FetchPlan, units: readonly number[], commands: readonly Command[]): Promise<Reply[]> {
    const target = this.#target;
    // Only a cluster's plan has slots: it routes by them instead of parsing each command's key.
    const planned = plan.slots;
    if (planned === null) return target.pipeline(commands, this.#callOptions);
    const slots = new Array<number>(units.length);
    for (let j = 0; j < units.length; j++) slots[j] = planned[units[j]];
    return target.pipelineSlots(commands, slots, this.#callOptions);
  }

  #decodeUnit(
    plan: FetchPlan,
    u: number,
    keys: readonly string[],
    reply: Reply,
    rows: (LookupRow | null)[],
  ): void {
    const from = plan.start[u];
    const to = plan.start[u + 1];
    const decoder = this.#decoder;
    const cache = this.#cache;
    if (plan.kind === 'mget') {
      const values = Array.isArray(reply) ? reply : [];
      for (let j = from; j < to; j++) {
        const at = plan.order[j];
        const value = values[j - from] ?? null;
        const row = decoder.fromString(keys[at], value);
        this.#settle(cache, keys[at], row, value, rows, at);
      }
      return;
    }
    const at = plan.order[from];
    const row =
      plan.kind === 'hmget' ? decoder.fromHashFields(keys[at], reply) : decoder.fromHashAll(keys[at], reply);
    this.#settle(cache, keys[at], row, reply, rows, at);
  }

  #settle(
    cache: LookupCache<LookupRow> | null,
    key: string,
    row: LookupRow | null,
    reply: Reply,
    rows: (LookupRow | null)[],
    at: number,
  ): void {
    rows[at] = row;
    if (row !== null) {
      this.#stats.found++;
      cache?.set(key, row, this.#decoder.estimateBytes(reply));
    } else if (this.#negative) {
      cache?.set(key, null, 0);
    }
  }

  #failure(
    plan: FetchPlan,
    keys: readonly string[],
    unit: number,
    e: unknown,
    attempts: number,
  ): LookupError {
    if (e instanceof LookupError) return e;
    const key = unit === undefined ? undefined : keys[plan.order[plan.start[unit]]];
    const reason = e instanceof Error ? e.message : e === undefined ? 'no reply' : String(e);
    return new LookupError(reason, { table: this.table.name, key, attempts, cause: e });
  }
}

/** Failures worth another attempt: the connection, a timeout, a cluster in transition. */
function retryable(e: unknown): boolean {
  if (e instanceof ReplyError) return TRANSIENT.has(e.prefix);
  return (
    e instanceof ConnectionError ||
    e instanceof TimeoutError ||
    e instanceof ClusterError ||
    e instanceof OfflineQueueFullError
  );
}

/** Exponential backoff with jitter: between ½ and 1 × base × 2^(attempt−1). */
function backoff(base: number, attempt: number): number {
  const ceiling = base * 2 ** Math.min(attempt - 1, 10);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Connects for a lookup table and returns its {@link RedisLookup}. `{{ VAR }}` secrets are
 * resolved from `env` now.
 *
 * @throws LookupError when Redis cannot be reached; MissingSecretError for an unset variable.
 */
export async function createRedisLookup(
  table: LookupTable,
  options: RedisLookupOptions & { env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<RedisLookup> {
  const target = await connectLookupTarget(table, options.env, options.logger);
  return new RedisLookup(table, target, options);
}
