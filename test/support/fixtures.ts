/**
 * Vitest fixtures over the servers of redis.ts: call one at the top of a file or a `describe` and it
 * registers the `beforeAll`/`afterAll` hooks that start and stop what it returns.
 */
import { afterAll, beforeAll } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { type RedisServer, type RedisServerOptions, startRedis } from './redis.js';

export interface RedisFixture {
  /** The server, started in `beforeAll`. */
  readonly server: RedisServer;
  /** A client of the project connected to `server`, for checks. */
  readonly client: RedisClient;
}

/** A standalone server and a client on it for the enclosing scope; both closed in `afterAll`. */
export function useRedis(opts?: RedisServerOptions): RedisFixture {
  let server: RedisServer | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    server = await startRedis(opts);
    client = await createClient(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRedis: read before its beforeAll hook has run');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}
