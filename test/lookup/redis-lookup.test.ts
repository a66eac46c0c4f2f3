/**
 * Lookups against a real standalone redis-server: values written first (with the project's client),
 * then read by batches. Server counters (INFO stats / commandstats) show what reached Redis.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import {
  createRedisLookup,
  joinKeyText,
  LookupError,
  LookupValueError,
  parseLookupTable,
  type RedisLookup,
  type RedisLookupOptions,
} from '../../src/lookup/index.js';
import { useRedis } from '../support/fixtures.js';
import { scrapeValue } from '../support/metrics.js';
import { cli, parseInfo, startAclRedis, startRedis } from '../support/redis.js';

const redis = useRedis();
const open: RedisLookup[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
  await redis.client.send(['FLUSHALL']);
});

/** A lookup table `name` on the test server. */
async function lookupOf(
  name: string,
  columns: string,
  options = '',
  lookupOptions: RedisLookupOptions & { env?: Record<string, string> } = {},
  address?: string,
): Promise<RedisLookup> {
  const withList = [`connector = 'redis'`, options].filter((s) => s !== '').join(', ');
  const table = await parseLookupTable(`CREATE TEMPORARY TABLE ${name} (${columns}) WITH (${withList})`, {
    redisAddress: address ?? redis.server.url,
  });
  const l = await createRedisLookup(table, lookupOptions);
  open.push(l);
  return l;
}

/** Keys Redis looked up (hits + misses) and calls of a command since the last reset. */
async function serverCounters(command: string): Promise<{ lookedUp: number; calls: number }> {
  const stats = parseInfo(await cli(redis.server, 'INFO', 'stats'));
  const commands = parseInfo(await cli(redis.server, 'INFO', 'commandstats'));
  const calls = /calls=(\d+)/.exec(commands[`cmdstat_${command}`] ?? '')?.[1];
  return {
    lookedUp: Number(stats.keyspace_hits) + Number(stats.keyspace_misses),
    calls: Number(calls ?? 0),
  };
}

describe('redis lookup — standalone', () => {
  test('redis lookup — JSON objects into typed columns; null keys never sent; a repeated key read once', async () => {
    await redis.client.pipeline([
      [
        'SET',
        'user:1',
        JSON.stringify({
          name: 'Ann',
          tier: '3',
          since: '2024-01-02T03:04:05Z',
          tags: ['a', 'b'],
          vip: 'true',
          score: 1.5,
          id: 999,
        }),
      ],
      ['SET', 'user:2', JSON.stringify({ name: 'Bob', tier: '9007199254740993' })],
      ['SET', 'user:', JSON.stringify({ name: 'bare prefix: must never be read' })],
    ]);
    await cli(redis.server, 'CONFIG', 'RESETSTAT');
    const l = await lookupOf(
      'users',
      'id BIGINT PRIMARY KEY, name TEXT, tier BIGINT, since TIMESTAMP, tags JSON, vip BOOLEAN, score DOUBLE, missing TEXT',
      `'lookup.key_prefix' = 'user:'`,
    );
    const rows = await l.lookup(['1', null, '3', '1', '2', null]);
    expect(rows[0]).toEqual({
      id: 1,
      name: 'Ann',
      tier: 3,
      since: new Date('2024-01-02T03:04:05Z'),
      tags: ['a', 'b'],
      vip: true,
      score: 1.5,
      missing: null,
    });
    expect(rows[1]).toBeNull();
    expect(rows[2]).toBeNull();
    expect(rows[3]).toBe(rows[0]);
    // The sink writes a bigint beyond 2^53 as a string; it reads back exact.
    expect(rows[4]).toMatchObject({ id: 2, name: 'Bob', tier: 9007199254740993n, since: null, tags: null });
    expect(rows[5]).toBeNull();
    expect(l.stats()).toMatchObject({
      batches: 1,
      keys: 4,
      nullKeys: 2,
      hits: 0,
      misses: 4,
      fetched: 3,
      found: 2,
      roundTrips: 1,
    });
    // One MGET of the three distinct keys; the bare prefix was never read.
    expect(await serverCounters('mget')).toEqual({ lookedUp: 3, calls: 1 });
  });

  test('redis lookup — a batch of only null keys makes no round trip', async () => {
    const l = await lookupOf('nulls', "k TEXT METADATA FROM 'key', v TEXT");
    await cli(redis.server, 'CONFIG', 'RESETSTAT');
    expect(await l.lookup([null, null])).toEqual([null, null]);
    expect(await l.lookup([])).toEqual([]);
    expect(l.stats().roundTrips).toBe(0);
    expect((await serverCounters('mget')).calls).toBe(0);
  });

  test("redis lookup — METADATA FROM 'key': the key column holds the whole key", async () => {
    await redis.client.send(['SET', 'session:abc', JSON.stringify({ user: 'u7' })]);
    const l = await lookupOf('sessions', "k TEXT METADATA FROM 'key' PRIMARY KEY, user TEXT");
    expect(await l.lookup(['session:abc', 'session:zzz'])).toEqual([{ k: 'session:abc', user: 'u7' }, null]);
  });

  test('redis lookup — raw strings: text and binary value columns', async () => {
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3]);
    await redis.client.pipeline([
      ['SET', 'note:1', 'plain text, not JSON {'],
      ['SET', 'blob:1', bytes],
      ['SET', 'count:1', '42'],
    ]);
    const notes = await lookupOf(
      'notes',
      'id TEXT PRIMARY KEY, body TEXT',
      `format = 'raw', 'lookup.key_prefix' = 'note:'`,
    );
    expect(await notes.lookup(['1', '2'])).toEqual([{ id: '1', body: 'plain text, not JSON {' }, null]);
    const blobs = await lookupOf(
      'blobs',
      'id TEXT PRIMARY KEY, data BYTEA',
      `format = 'raw', 'lookup.key_prefix' = 'blob:'`,
    );
    const [row] = await blobs.lookup(['1']);
    expect(Buffer.compare(row!.data as Buffer, bytes)).toBe(0);
    const counts = await lookupOf(
      'counts',
      'id INTEGER PRIMARY KEY, n BIGINT',
      `format = 'raw', 'lookup.key_prefix' = 'count:'`,
    );
    expect(await counts.lookup([joinKeyText(1)])).toEqual([{ id: 1, n: 42 }]);
  });

  test('redis lookup — hashes: HMGET of the declared fields, or HGETALL; absent hashes are misses', async () => {
    await redis.client.pipeline([
      ['HSET', 'stock:w1', 'sku', 'A-1', 'qty', '5', 'updated', '2024-05-01 12:00:00', 'other', 'x'],
      ['HSET', 'stock:w2', 'qty', '7'],
      ['HSET', 'stock:w3', 'unrelated', 'y'],
    ]);
    await cli(redis.server, 'CONFIG', 'RESETSTAT');
    const columns = 'warehouse TEXT PRIMARY KEY, sku TEXT, qty INTEGER, updated TIMESTAMP';
    const fields = await lookupOf(
      'stock',
      columns,
      `'lookup.value_type' = 'hash', 'lookup.key_prefix' = 'stock:'`,
    );
    const rows = await fields.lookup(['w1', 'w2', 'w3', 'w4', null]);
    expect(rows).toEqual([
      { warehouse: 'w1', sku: 'A-1', qty: 5, updated: new Date('2024-05-01T12:00:00Z') },
      { warehouse: 'w2', sku: null, qty: 7, updated: null },
      null, // none of the declared fields
      null,
      null,
    ]);
    expect((await serverCounters('hmget')).calls).toBe(4);
    const all = await lookupOf(
      'stock_all',
      columns,
      `'lookup.value_type' = 'hash', 'lookup.hash.fetch' = 'all', 'lookup.key_prefix' = 'stock:'`,
    );
    const again = await all.lookup(['w1', 'w3', 'w4']);
    expect(again[0]).toEqual(rows[0]);
    expect(again[1]).toEqual({ warehouse: 'w3', sku: null, qty: null, updated: null }); // the hash exists
    expect(again[2]).toBeNull();
    expect((await serverCounters('hgetall')).calls).toBe(3);
  });

  test('redis lookup — binary hash fields under RESP2 and RESP3 replies', async () => {
    const bytes = Buffer.from([1, 2, 250, 251]);
    await redis.client.send(['HSET', 'bin:1', 'data', bytes, 'label', 'é']);
    const l = await lookupOf(
      'bin',
      'id TEXT PRIMARY KEY, data BYTEA, label TEXT',
      `'lookup.value_type' = 'hash', 'lookup.hash.fetch' = 'all', 'lookup.key_prefix' = 'bin:'`,
    );
    const [row] = await l.lookup(['1']);
    expect(Buffer.compare(row!.data as Buffer, bytes)).toBe(0);
    expect(row!.label).toBe('é');
  });

  test('redis lookup — values that do not fit: LookupValueError naming key and column, or null by policy', async () => {
    await redis.client.pipeline([
      ['SET', 'v:list', '[1,2]'],
      ['SET', 'v:bad', JSON.stringify({ n: 'many' })],
      ['SET', 'v:ok', JSON.stringify({ n: 1 })],
    ]);
    const strict = await lookupOf('strict', 'id TEXT PRIMARY KEY, n INTEGER', `'lookup.key_prefix' = 'v:'`);
    const notObject = await strict.lookup(['list']).catch((e) => e);
    expect(notObject).toBeInstanceOf(LookupValueError);
    expect(notObject).toMatchObject({ code: 'ERR_LOOKUP_VALUE', table: 'strict', key: 'list' });
    expect(notObject.message).toBe(
      "lookup table 'strict', key 'list': the stored value is not a JSON object",
    );
    const badField = await strict.lookup(['ok', 'bad']).catch((e) => e);
    expect(badField).toMatchObject({ code: 'ERR_LOOKUP_VALUE', key: 'bad', columnName: 'n' });
    expect(badField.message).toMatch(/column 'n' cannot be read: cannot convert 'many' to INTEGER/);
    const lenient = await lookupOf(
      'lenient',
      'id TEXT PRIMARY KEY, n INTEGER',
      `'lookup.key_prefix' = 'v:', 'lookup.bad_value' = 'null'`,
    );
    expect(await lenient.lookup(['list', 'bad', 'ok'])).toEqual([
      null,
      { id: 'bad', n: null },
      { id: 'ok', n: 1 },
    ]);
  });

  test('redis lookup — WRONGTYPE is not retried: LookupError at once, naming the key', async () => {
    await redis.client.send(['SET', 'h:1', 'a string, not a hash']);
    const l = await lookupOf(
      'wrong',
      'id TEXT PRIMARY KEY, f TEXT',
      `'lookup.value_type' = 'hash', 'lookup.key_prefix' = 'h:'`,
    );
    const e = await l.lookup(['1']).catch((x) => x);
    expect(e).toBeInstanceOf(LookupError);
    expect(e).toMatchObject({ code: 'ERR_LOOKUP', table: 'wrong', key: '1', attempts: 1 });
    expect(e.message).toMatch(/^lookup table 'wrong', key '1': WRONGTYPE .* after 1 attempt$/);
    expect(l.stats()).toMatchObject({ roundTrips: 1, errors: 1 });
  });
});

describe('redis lookup — cache', () => {
  test('redis lookup — an update in Redis shows after the TTL, not before (injected clock)', async () => {
    const clock = new ManualClock(0);
    await redis.client.send(['SET', 'p:1', JSON.stringify({ price: 10 })]);
    const l = await lookupOf(
      'prices',
      'id TEXT PRIMARY KEY, price INTEGER',
      `'lookup.key_prefix' = 'p:', 'lookup.cache.ttl' = '30s'`,
      {
        clock,
      },
    );
    expect(await l.lookup(['1'])).toEqual([{ id: '1', price: 10 }]);
    await redis.client.send(['SET', 'p:1', JSON.stringify({ price: 20 })]);
    clock.advance(29_999);
    expect(await l.lookup(['1', '1'])).toEqual([
      { id: '1', price: 10 },
      { id: '1', price: 10 },
    ]);
    expect(l.stats()).toMatchObject({ fetched: 1, hits: 2, roundTrips: 1 });
    clock.advance(1);
    expect(await l.lookup(['1'])).toEqual([{ id: '1', price: 20 }]);
    expect(l.stats()).toMatchObject({ fetched: 2, roundTrips: 2 });
    expect(l.stats().cache).toMatchObject({ expirations: 1, entries: 1 });
  });

  test('redis lookup — misses are cached only with lookup.cache.negative', async () => {
    const clock = new ManualClock(0);
    const negative = await lookupOf(
      'neg',
      'id TEXT PRIMARY KEY, v TEXT',
      `'lookup.key_prefix' = 'n:', 'lookup.cache.ttl' = '10s', 'lookup.cache.negative' = 'true'`,
      { clock },
    );
    const plain = await lookupOf(
      'pos',
      'id TEXT PRIMARY KEY, v TEXT',
      `'lookup.key_prefix' = 'n:', 'lookup.cache.ttl' = '10s'`,
      {
        clock,
      },
    );
    expect(await negative.lookup(['x'])).toEqual([null]);
    expect(await plain.lookup(['x'])).toEqual([null]);
    await redis.client.send(['SET', 'n:x', JSON.stringify({ v: 'now here' })]);
    expect(await negative.lookup(['x'])).toEqual([null]); // the cached miss
    expect(await plain.lookup(['x'])).toEqual([{ id: 'x', v: 'now here' }]);
    clock.advance(10_000);
    expect(await negative.lookup(['x'])).toEqual([{ id: 'x', v: 'now here' }]);
    expect(negative.stats()).toMatchObject({ hits: 1, fetched: 2 });
  });

  test('redis lookup — the byte bound holds while thousands of keys pass through', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => String(i));
    for (let i = 0; i < keys.length; i += 500) {
      await redis.client.pipeline(
        keys
          .slice(i, i + 500)
          .map((k) => ['SET', `b:${k}`, JSON.stringify({ v: `value-${k}`.padEnd(40, '.') })]),
      );
    }
    const l = await lookupOf(
      'bounded',
      'id TEXT PRIMARY KEY, v TEXT',
      `'lookup.key_prefix' = 'b:', 'lookup.cache.max_bytes' = '16KiB'`,
    );
    for (let i = 0; i < keys.length; i += 250) {
      const rows = await l.lookup(keys.slice(i, i + 250));
      expect(rows.every((r, j) => r !== null && r.id === keys[i + j])).toBe(true);
      expect(l.stats().cache!.bytes).toBeLessThanOrEqual(16 * 1024);
    }
    const cache = l.stats().cache!;
    expect(cache.evictions).toBeGreaterThan(2000);
    expect(cache.entries).toBeGreaterThan(10);
    // The most recent keys are still cached: a batch of them needs no round trip.
    const trips = l.stats().roundTrips;
    await l.lookup(keys.slice(-10));
    expect(l.stats().roundTrips).toBe(trips);
  });
});

describe('redis lookup — failures, secrets, metrics', () => {
  test('redis lookup — a stopped server: bounded retries, then LookupError naming the key', async () => {
    const server = await startRedis();
    try {
      const l = await lookupOf(
        'down',
        'id TEXT PRIMARY KEY, v TEXT',
        `'lookup.key_prefix' = 'd:', 'lookup.timeout' = '1500ms', 'lookup.max_attempts' = 3`,
        {},
        server.url,
      );
      expect(await l.lookup(['a'])).toEqual([null]);
      await server.stop();
      const started = performance.now();
      const e = await l.lookup(['a', 'b']).catch((x) => x);
      const elapsed = performance.now() - started;
      expect(e).toBeInstanceOf(LookupError);
      expect(e).toMatchObject({ code: 'ERR_LOOKUP', table: 'down', key: 'a', attempts: 3 });
      expect(e.message).toMatch(/^lookup table 'down', key 'a': .+ after 3 attempts$/);
      expect(elapsed).toBeLessThan(3_000);
      expect(l.stats()).toMatchObject({ roundTrips: 4, retries: 2, errors: 1 });
    } finally {
      await server.stop();
    }
  });

  test('redis lookup — a server that is not there fails at connect with LookupError', async () => {
    const server = await startRedis();
    const url = server.url;
    await server.stop();
    const table = await parseLookupTable(
      "CREATE TEMPORARY TABLE gone (id TEXT PRIMARY KEY, v TEXT) WITH (connector = 'redis')",
      { redisAddress: url },
    );
    await expect(createRedisLookup(table)).rejects.toMatchObject({ code: 'ERR_LOOKUP', table: 'gone' });
  });

  test('redis lookup — username and password from {{ VAR }} secrets in the environment', async () => {
    const acl = await startAclRedis();
    try {
      const l = await lookupOf(
        'secured',
        "k TEXT METADATA FROM 'key', v TEXT",
        `username = '{{ LK_USER }}', password = '{{ LK_PASS }}'`,
        { env: { LK_USER: acl.username, LK_PASS: acl.password } },
        acl.server.url,
      );
      expect(await l.lookup(['nothing'])).toEqual([null]);
      const table = await parseLookupTable(
        "CREATE TEMPORARY TABLE s (k TEXT METADATA FROM 'key', v TEXT) WITH (connector = 'redis', password = '{{ LK_PASS }}')",
        { redisAddress: acl.server.url },
      );
      await expect(createRedisLookup(table, { env: {} })).rejects.toMatchObject({
        code: 'ERR_SECRET_MISSING',
        variable: 'LK_PASS',
      });
    } finally {
      await acl.server.stop();
    }
  });

  test('redis lookup — metrics per table: keys, cache hits and misses, one duration per round trip', async () => {
    await redis.client.send(['SET', 'm:1', JSON.stringify({ v: 'x' })]);
    const l = await lookupOf(
      'metered',
      'id TEXT PRIMARY KEY, v TEXT',
      `'lookup.key_prefix' = 'm:', 'lookup.cache.ttl' = '1h'`,
    );
    await l.lookup(['1', '2', null]);
    await l.lookup(['1', '1']);
    const t = { table: 'metered' };
    expect(await scrapeValue('laminar_lookups_total', t)).toBe(4);
    expect(await scrapeValue('laminar_lookup_cache_hits_total', t)).toBe(2);
    expect(await scrapeValue('laminar_lookup_cache_misses_total', t)).toBe(2);
    expect(await scrapeValue('laminar_lookup_duration_seconds_count', t)).toBe(1);
  });
});
