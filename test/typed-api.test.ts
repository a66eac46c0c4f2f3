/**
 * Types of the public API: events, error codes, disposal. The `@ts-expect-error` lines are checked
 * by `npm run typecheck` (a line that compiled would fail it); the runtime parts check that the
 * typed event really arrives with what its type says.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CreatePipelineBody,
  type CreateProfileBody,
  type CreateTableBody,
  createClient,
  ERROR_CODES,
  type ErrorBody,
  type ErrorCode,
  LaminarError,
  type Producer,
  type RedisClient,
  type RedisClientEvents,
  type RedisCluster,
  type RedisSink,
  type Reply,
  type Runtime,
  type TableView,
} from '../src/index.js';
import { useRedis } from './support/fixtures.js';

const redis = useRedis();

/** Type-level only: never called. */
function eventTypes(client: RedisClient, cluster: RedisCluster, sink: RedisSink): void {
  client.on('push', (frame) => expectTypeOf(frame).toEqualTypeOf<Reply[]>());
  client.on('reconnecting', (e) => expectTypeOf(e.attempt).toEqualTypeOf<number>());
  client.on('end', (error) => expectTypeOf(error).toEqualTypeOf<Error | undefined>());
  // @ts-expect-error an event the client never emits
  client.on('nosuchevent', () => {});
  // @ts-expect-error a push frame is an array of replies, not a string
  client.on('push', (frame: string) => frame);
  cluster.on('refresh', () => {});
  // @ts-expect-error the cluster client emits no 'push'
  cluster.on('push', () => {});
  sink.on('error', (err) => expectTypeOf(err).toEqualTypeOf<Error>());
  // @ts-expect-error the sink emits only 'error'
  sink.on('ready', () => {});
}

describe('typed API', () => {
  it('types — a push frame reaches on("push") as the Reply[] its type names', async () => {
    const tracked = await createClient(redis.server.url);
    try {
      const invalidated = new Promise<Reply[]>((resolve) => {
        tracked.on('push', (frame) => {
          if (frame[0] === 'invalidate') resolve(frame);
        });
      });
      await tracked.send(['CLIENT', 'TRACKING', 'ON']);
      await tracked.send(['GET', 'typed:k']);
      await redis.client.send(['SET', 'typed:k', 'v']);
      expect(await invalidated).toEqual(['invalidate', ['typed:k']]);
    } finally {
      await tracked.close();
    }
    expectTypeOf<RedisClientEvents['push']>().toEqualTypeOf<[frame: Reply[]]>();
    expect(typeof eventTypes).toBe('function');
  });

  it('types — an error code is the union of ERROR_CODES, and every code is in it', () => {
    const err: LaminarError = new LaminarError('ERR_CONFIG', 'x');
    expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
    expectTypeOf<'ERR_REPLY'>().toExtend<ErrorCode>();
    expectTypeOf<'ERR_NO_SUCH_CODE'>().not.toExtend<ErrorCode>();
    // @ts-expect-error not a code
    new LaminarError('ERR_NO_SUCH_CODE', 'x');
    const known: readonly string[] = ERROR_CODES;
    expect(known).toContain(err.code);
  });

  it('types — client, cluster, sink, producer and runtime are AsyncDisposable', () => {
    expectTypeOf<RedisClient>().toExtend<AsyncDisposable>();
    expectTypeOf<RedisCluster>().toExtend<AsyncDisposable>();
    expectTypeOf<RedisSink>().toExtend<AsyncDisposable>();
    expectTypeOf<Producer>().toExtend<AsyncDisposable>();
    expectTypeOf<Runtime>().toExtend<AsyncDisposable>();
    expect(typeof Symbol.asyncDispose).toBe('symbol');
  });

  it('types — REST bodies: the documentation examples type-check, a misspelt field does not', () => {
    const profile: CreateProfileBody = {
      name: 'redis_cache',
      connector: 'redis',
      config: {
        connection: { address: 'redis://cache.example.com:6379' },
        username: 'app_user',
        password: '{{ REDIS_PASSWORD }}',
      },
    };
    const table: CreateTableBody = {
      name: 'user_sessions',
      connector: 'redis',
      connectionProfileId: 'redis_cache',
      config: {
        connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
      },
      shards: 4,
    };
    // @ts-expect-error a misspelt top-level field
    const typo: CreateTableBody = { ...table, shrads: 4 };
    const pipeline: CreatePipelineBody = { name: 'p', sql: 'CREATE TABLE ...' };
    expectTypeOf<TableView['state']>().toEqualTypeOf<'running' | 'failed'>();
    expectTypeOf<ErrorBody['error']['reason']>().toEqualTypeOf<ErrorCode | undefined>();
    expect([profile.name, table.connectionProfileId, typo.name, pipeline.name]).toEqual([
      'redis_cache',
      'redis_cache',
      'user_sessions',
      'p',
    ]);
  });
});
