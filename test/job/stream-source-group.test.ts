import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOn } from '../../src/dataflow/sources/redis-stream-call.js';
import { replyMap } from '../../src/dataflow/sources/redis-stream-replies.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import type { Reply } from '../../src/resp/reply.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';

/**
 * Two jobs in one consumer group split a stream; one is SIGKILLed with entries pending, and the
 * other claims them once they have been idle for its `claimIdleMs`: every entry reaches the
 * (idempotent) target and the group has nothing pending.
 *
 * Job `b` dies at its fifth read that returned entries. Under load `a` may read the first
 * entries all before `b` has started, so entries keep coming until `b` died: a step whenever the
 * group has read nearly all, up to a bound.
 */
const ENTRIES = 20_000;
/** Entries added per step while `b` runs. */
const FEED_STEP = 100;
/** Most entries in all, and longest wait for `b` to die, before the test gives up. */
const FEED_MAX = 200_000;
const FEED_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stream source consumer group', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'laminar-stream-group-'));
    [server] = await Promise.all([startRedis(), buildCli()]);
    redis = await createClient(server.url);
  }, 120_000);

  afterAll(async () => {
    await redis?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function spec(consumer: string): Promise<string> {
    const file = join(work, `${consumer}.json`);
    await writeFile(
      file,
      JSON.stringify({
        name: `job-${consumer}`,
        sources: [
          {
            type: 'redis-stream',
            name: 'events',
            address: server.url,
            streams: ['events'],
            group: 'workers',
            consumer,
            start: '0',
            claimIdleMs: 500,
            pollMs: 20,
            batch: 200,
          },
        ],
        tables: [
          {
            sql: `CREATE TABLE seen (seq BIGINT, by TEXT) WITH (connector = 'redis', address = '${server.url}',
              type = 'sink', 'sink.type' = 'string', 'sink.key_prefix' = 'seen:', 'sink.key_column' = 'seq')`,
          },
        ],
        checkpoint: { dir: join(work, `cp-${consumer}`), intervalMs: 200 },
        batchSize: 200,
      }),
    );
    return file;
  }

  const pendingOf = async (consumer?: string): Promise<number> => {
    if (consumer === undefined)
      return Number(((await redis.send(['XPENDING', 'events', 'workers'])) as Reply[])[0]);
    const consumers = (await callOn(redis, 'events', ['XINFO', 'CONSUMERS', 'events', 'workers'])) as Reply[];
    const c = consumers.map(replyMap).find((x) => String(x.get('name')) === consumer);
    return c === undefined ? 0 : Number(c.get('pending'));
  };

  /** Entries the group has not delivered to a consumer yet; 0 when Redis cannot tell (before 7.0). */
  const unread = async (): Promise<number> => {
    const groups = (await redis.send(['XINFO', 'GROUPS', 'events'])) as Reply[];
    const g = groups.map(replyMap).find((x) => String(x.get('name')) === 'workers');
    return g === undefined ? Number.POSITIVE_INFINITY : Number(g.get('lag') ?? 0);
  };

  /** Entries `from` to `from + n - 1` (each row's `seq`). */
  const add = (from: number, n: number) =>
    redis.pipeline(
      Array.from({ length: n }, (_, j) => ['XADD', 'events', '*', 'row', JSON.stringify({ seq: from + j })]),
    );

  it('stream source — two jobs split a group; when one is killed, the other claims its pending entries', async () => {
    for (let from = 0; from < ENTRIES; from += 5000) await add(from, 5000);
    let added = ENTRIES;
    const a = await spawnJob(await spec('a'));
    const b = await spawnJob(await spec('b'), { LAMINAR_FAULT: 'stream-read:5' });
    let bEnded = false;
    void b.exited.then(() => (bEnded = true));
    try {
      const feedEnd = Date.now() + FEED_MS;
      while (!bEnded) {
        if (added >= FEED_MAX || Date.now() > feedEnd) {
          throw new Error(
            `job b did not die at its 5th read: ${added} entries added, ${await pendingOf('b')} pending for b\n` +
              `b: ${b.stderr().slice(-2000)}\na: ${a.stderr().slice(-2000)}`,
          );
        }
        if ((await unread()) < FEED_STEP) {
          await add(added, FEED_STEP);
          added += FEED_STEP;
        }
        await sleep(10);
      }
      expect(b.stderr()).toContain('fault injected at stream-read');
      expect(await pendingOf('b')).toBeGreaterThan(0); // b died holding entries
      const end = Date.now() + 90_000;
      for (;;) {
        const seen = Number(await redis.send(['DBSIZE'])) - 1; // every key but the stream
        if (seen === added && (await pendingOf()) === 0) break;
        if (Date.now() > end) throw new Error(`${seen} of ${added} seen\n${a.stderr().slice(-2000)}`);
        await sleep(100);
      }
      expect(await pendingOf('b')).toBe(0);
      const values = await redis.pipeline(Array.from({ length: added }, (_, i) => ['EXISTS', `seen:${i}`]));
      expect(values.every((v) => v === 1)).toBe(true);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await Promise.all([a.exited, b.exited]);
    }
  }, 150_000);
});
