/**
 * The lookup tables of a job, and — while a job attempt runs — their connections. Query stages
 * that join a lookup table hold the registry, not a connection: the attempt opens every table when
 * it starts and closes them when it stops, so a restarted attempt reads through fresh connections
 * (and an empty cache), and a query compiled only to check a script never connects.
 *
 * ```
 * startJob ── new LookupRegistry(tables) ──▶ planQueries (stages keep the registry)
 * attempt 1:  open() ─ rows flow: stage ─▶ registry.get('users').lookup(keys) ─ close()
 * attempt 2:  open() ─ ...                                                    ─ close()
 * ```
 *
 * Every channel's source actor shares the table's one {@link RedisLookup}: one connection (or one
 * cluster client) and one cache per table per attempt.
 */

import { LookupError } from './errors.js';
import type { LookupTable } from './model.js';
import { createRedisLookup, type RedisLookup, type RedisLookupOptions } from './redis-lookup.js';

/** Options of {@link LookupRegistry}. */
export interface LookupRegistryOptions extends RedisLookupOptions {
  /** Where `{{ VAR }}` secrets are resolved when a table connects. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A job's lookup tables by name, connected between {@link open} and {@link close}. */
export class LookupRegistry {
  /** Every lookup table, by declared name. */
  readonly tables: ReadonlyMap<string, LookupTable>;
  readonly #options: LookupRegistryOptions;
  #open: Map<string, RedisLookup> | null = null;

  constructor(tables: readonly LookupTable[] = [], options: LookupRegistryOptions = {}) {
    this.tables = new Map(tables.map((t) => [t.name, t]));
    this.#options = options;
  }

  /** Whether the tables are connected. */
  get isOpen(): boolean {
    return this.#open !== null;
  }

  /**
   * Connects every table (concurrently). If one cannot connect, the others are closed again.
   *
   * @throws LookupError when Redis cannot be reached; MissingSecretError for an unset variable.
   */
  async open(): Promise<void> {
    if (this.#open !== null) return;
    const tables = [...this.tables.values()];
    const settled = await Promise.allSettled(tables.map((t) => createRedisLookup(t, this.#options)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(
        settled.map((s) => (s.status === 'fulfilled' ? s.value.close().catch(() => {}) : undefined)),
      );
      throw (failed as PromiseRejectedResult).reason;
    }
    this.#open = new Map(
      settled.map((s, i) => [tables[i].name, (s as PromiseFulfilledResult<RedisLookup>).value]),
    );
  }

  /**
   * The connected lookup of a table.
   *
   * @throws LookupError when the registry is not open (no job attempt is running).
   */
  get(name: string): RedisLookup {
    const lookup = this.#open?.get(name);
    if (lookup === undefined) {
      throw new LookupError(
        this.tables.has(name)
          ? 'not connected (no job attempt is running)'
          : 'not a lookup table of this job',
        { table: name },
      );
    }
    return lookup;
  }

  /** Closes every connection; {@link open} may be called again. */
  async close(): Promise<void> {
    const open = this.#open;
    this.#open = null;
    if (open !== null) await Promise.all([...open.values()].map((l) => l.close().catch(() => {})));
  }
}
