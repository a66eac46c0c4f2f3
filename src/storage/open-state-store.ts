import { resolve } from 'node:path';
import type { Logger } from '../log.js';
import { LocalStateStore } from './local-state-store.js';
import { RedisStateStore } from './redis-state-store.js';
import { parseStateLocation, type StateLocation } from './state-location.js';
import type { StateStore } from './state-store.js';

export interface OpenStateStoreOptions {
  /** Where Redis URL references (`{{ VAR }}`) resolve. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Largest checkpoint chunk in a Redis store, bytes. */
  chunkBytes?: number;
  /** Where damaged checkpoints are reported. */
  logger?: Logger;
}

/**
 * Opens the state store a `--state` value names: a directory (the local store), or a
 * `redis://` / `rediss://` URL (the Redis store, standalone or Cluster).
 *
 * @throws StateStoreError `ERR_STATE_URL` for a value it cannot use, `ERR_STATE_IO` when Redis
 *   cannot be reached; StateVersionError when the store is of a newer format.
 */
export async function openStateStore(
  location: string | StateLocation,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  const where = typeof location === 'string' ? parseStateLocation(location) : location;
  if (where.kind === 'local') return LocalStateStore.open(resolve(where.dir), { logger: options.logger });
  return RedisStateStore.open({
    url: where.url,
    name: where.name,
    env: options.env,
    chunkBytes: options.chunkBytes,
    logger: options.logger,
  });
}
