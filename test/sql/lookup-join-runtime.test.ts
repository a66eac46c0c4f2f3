/**
 * Lookup joins in a running job: the cache (an update in Redis shows after the TTL and not
 * before; the byte bound holds), and failures (a Redis that stalls fails the attempt, which
 * restarts from its checkpoint and still writes every row exactly once; one that stays away fails
 * the job with the table, the key and the reason). The lookup tables live on a redis-server of
 * their own, apart from the sinks', so that one can fail while the other goes on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { createClient, type RedisClient } from '../../src/index.js';
import { type JobHandle, runJob, startJob } from '../../src/job/job.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { scrapeValue } from '../support/metrics.js';
import { cli, type RedisServer, startRedis } from '../support/redis.js';
import { until as waitUntil } from '../support/until.js';
import { generatedRows } from './support.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
let lookups: RedisServer;
let sinks: RedisServer;
let lookupClient: RedisClient;
let sinkClient: RedisClient;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-lookup-runtime-'));
  [lookups, sinks] = await Promise.all([startRedis(), startRedis()]);
  [lookupClient, sinkClient] = await Promise.all([createClient(lookups.url), createClient(sinks.url)]);
});
afterAll(async () => {
  await lookupClient?.close();
  await sinkClient?.close();
  await lookups?.stop();
  await sinks?.stop();
  await rm(work, { recursive: true, force: true });
});

function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  return waitUntil(what, read, ok, 10_000, 20);
}

/** Resolves once the job's ingest source accepts rows (its first attempt is running). */
async function accepting(job: JobHandle): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await job.ingest('clicks').push('probe', 0, []);
      return;
    } catch (e) {
      if (attempt > 200) throw e;
      await sleep(20);
    }
  }
}

describe('lookup join — cache in a running job', () => {
  const script = (lookupOptions: string) => `
CREATE TABLE clicks (id TEXT, user_id TEXT) WITH (connector = 'ingest');
CREATE TEMPORARY TABLE users (id TEXT METADATA FROM 'key', name TEXT) WITH (
    connector = 'redis', address = '${lookups.url}', ${lookupOptions}
);
CREATE TABLE seen (id TEXT, name TEXT) WITH (
    connector = 'redis', type = 'sink', address = '${sinks.url}',
    'sink.type' = 'string', 'sink.key_prefix' = 'seen:', 'sink.key_column' = 'id'
);
INSERT INTO seen SELECT c.id, u.name FROM clicks c LEFT JOIN users u ON c.user_id = u.id;`;

  const seen = (id: string) =>
    until(
      () => sinkClient.send(['GET', `seen:${id}`]),
      (v) => v !== null,
      `seen:${id}`,
    ).then((v) => (JSON.parse(v as string) as { name: string | null }).name);

  it('lookup join — an update in Redis is read after the TTL, not before (the job clock moves by hand)', async () => {
    const spec = await compileSqlScript(script("'lookup.cache.ttl' = '2s'"), { name: 'cache_ttl' });
    const clock = new ManualClock(1_000_000);
    const job = startJob(
      { ...spec, checkpoint: { dir: join(work, 'ttl'), intervalMs: 60_000 } },
      { logger: silent, clock },
    );
    const push = (seq: number, id: string, user: string | null) =>
      job.ingest('clicks').push('p', seq, [{ id, user_id: user }]);
    try {
      await accepting(job);
      await lookupClient.send(['SET', 'user:ttl', JSON.stringify({ name: 'old' })]);
      await push(1, 'a1', 'user:ttl');
      expect(await seen('a1')).toBe('old');
      await lookupClient.send(['SET', 'user:ttl', JSON.stringify({ name: 'new' })]);
      await clock.advanceAsync(1_999);
      await push(2, 'a2', 'user:ttl');
      expect(await seen('a2')).toBe('old'); // still within the TTL: the cached row
      await clock.advanceAsync(1);
      await push(3, 'a3', 'user:ttl');
      expect(await seen('a3')).toBe('new'); // the TTL has passed: Redis is read again
      await push(4, 'a4', null);
      expect(await seen('a4')).toBeNull();
    } finally {
      await job.stop();
    }
  });

  it('lookup join — the cache stays within lookup.cache.max_bytes and evicts the least recently used', async () => {
    const maxBytes = 4096;
    const spec = await compileSqlScript(script(`'lookup.cache.max_bytes' = '4KiB'`), { name: 'cache_bytes' });
    for (let i = 0; i < 200; i++)
      await lookupClient.send(['SET', `user:b${i}`, JSON.stringify({ name: `B${i}` })]);
    const job = startJob(
      { ...spec, checkpoint: { dir: join(work, 'bytes'), intervalMs: 60_000 } },
      { logger: silent },
    );
    const metric = (name: string) => scrapeValue(name, { table: 'users' }).then((v) => v ?? 0);
    try {
      await accepting(job);
      let seq = 0;
      const misses0 = await metric('laminar_lookup_cache_misses_total');
      for (let i = 0; i < 200; i += 20) {
        const rows = Array.from({ length: 20 }, (_, k) => ({ id: `b${i + k}`, user_id: `user:b${i + k}` }));
        await job.ingest('clicks').push('p', ++seq, rows);
        expect(await seen(`b${i + 19}`)).toBe(`B${i + 19}`);
        const bytes = await metric('laminar_lookup_cache_bytes');
        expect(bytes).toBeGreaterThan(0);
        expect(bytes).toBeLessThanOrEqual(maxBytes);
      }
      expect((await metric('laminar_lookup_cache_misses_total')) - misses0).toBe(200);
      // The most recent key is still cached; the first was evicted long ago and is read again.
      const hits0 = await metric('laminar_lookup_cache_hits_total');
      await job.ingest('clicks').push('p', ++seq, [{ id: 'again-last', user_id: 'user:b199' }]);
      expect(await seen('again-last')).toBe('B199');
      expect((await metric('laminar_lookup_cache_hits_total')) - hits0).toBe(1);
      await job.ingest('clicks').push('p', ++seq, [{ id: 'again-first', user_id: 'user:b0' }]);
      expect(await seen('again-first')).toBe('B0');
      expect((await metric('laminar_lookup_cache_misses_total')) - misses0).toBe(201);
    } finally {
      await job.stop();
    }
  });
});

describe('lookup join — failures', () => {
  const script = (lookupsUrl: string) => `
CREATE TABLE clicks (id TEXT, user_id TEXT) WITH (
    connector = 'generator', partitions = '2', rows_per_partition = '1500', rate = '500', seed = '3',
    'fields.id.kind' = 'sequence', 'fields.id.per_partition' = 'true',
    'fields.user_id.values' = 'user:1,user:2,user:3,user:4'
);
CREATE TEMPORARY TABLE users (id TEXT METADATA FROM 'key', name TEXT) WITH (
    connector = 'redis', address = '${lookupsUrl}', 'lookup.timeout' = '900ms', 'lookup.max_attempts' = '3'
);
CREATE TABLE feed (id TEXT, name TEXT) WITH (
    connector = 'redis', type = 'sink', address = '${sinks.url}',
    'sink.type' = 'list', 'sink.list_prefix' = 'feed:', 'sink.list_key_column' = 'name',
    'sink.operation' = 'Append', 'sink.delivery' = 'exactly_once'
);
INSERT INTO feed SELECT c.id, u.name FROM clicks c JOIN users u ON c.user_id = u.id;`;

  async function spec(name: string): Promise<JobSpec> {
    for (const i of [1, 2, 3])
      await lookupClient.send(['SET', `user:${i}`, JSON.stringify({ name: `N${i}` })]);
    const sql = script(lookups.url);
    const compiled = await compileSqlScript(sql, { name });
    return { ...compiled, batchSize: 50, checkpoint: { dir: join(work, name), intervalMs: 200 } };
  }

  it('lookup join — a stalled Redis fails the attempt; the restart resumes from the checkpoint, every row written once', async () => {
    const s = await spec('stall');
    await sinkClient.send(['FLUSHALL']); // the list fences too
    const done = runJob({ ...s, restart: { initialDelayMs: 50, maxRestarts: 20 } }, { logger: silent });
    await until(
      () => sinkClient.send(['LLEN', 'feed:N1']),
      (n) => (n as number) > 50,
      'the first rows',
    );
    await cli(lookups, 'CLIENT', 'PAUSE', '2000', 'ALL'); // every lookup times out meanwhile
    const result = await done;
    expect(result.attempts).toBeGreaterThan(1);

    const want = new Map<string, string[]>();
    for (const rows of generatedRows(s.sources[0])) {
      for (const r of rows) {
        const n = Number(String(r.user_id).slice('user:'.length));
        if (n > 3) continue; // user:4 is not in Redis: the INNER join drops it
        want.set(`feed:N${n}`, [...(want.get(`feed:N${n}`) ?? []), r.id as string]);
      }
    }
    for (const [key, ids] of want) {
      const got = ((await sinkClient.send(['LRANGE', key, 0, -1])) as string[]).map(
        (v) => (JSON.parse(v) as { id: string }).id,
      );
      expect(got.length, key).toBe(ids.length);
      expect([...got].sort(), key).toEqual([...ids].sort());
    }
    expect(await sinkClient.send(['EXISTS', 'feed:N4'])).toBe(0);
  });

  it('lookup join — a Redis that stays away fails the job with the table, the key and the reason', async () => {
    const own = await startRedis();
    const ownClient = await createClient(own.url);
    try {
      for (const i of [1, 2, 3])
        await ownClient.send(['SET', `user:${i}`, JSON.stringify({ name: `N${i}` })]);
      const sql = script(own.url);
      const s = { ...(await compileSqlScript(sql, { name: 'away' })), batchSize: 50 };
      await sinkClient.send(['FLUSHALL']); // the list fences too
      const done = runJob(
        { ...s, checkpoint: { dir: join(work, 'away'), intervalMs: 200 }, restart: { maxRestarts: 0 } },
        { logger: silent },
      ).catch((e: Error) => e);
      await until(
        () => sinkClient.send(['LLEN', 'feed:N1']),
        (n) => (n as number) > 20,
        'the first rows',
      );
      await ownClient.close();
      await own.stop();
      const err = (await done) as Error & { code: string; cause: Error & Record<string, unknown> };
      expect(err.code).toBe('ERR_RESTART_LIMIT');
      expect(err.cause.code).toBe('ERR_LOOKUP');
      expect(err.cause.table).toBe('users');
      expect(err.cause.key).toMatch(/^user:[1-4]$/);
      expect(err.cause.attempts).toBeGreaterThanOrEqual(1);
      expect(err.cause.message).toMatch(/^lookup table 'users', key 'user:[1-4]': .+ after \d attempts?$/);
      expect(err.message).toContain(err.cause.message);
    } finally {
      await ownClient.close().catch(() => {});
      await own.stop();
    }
  });
});
