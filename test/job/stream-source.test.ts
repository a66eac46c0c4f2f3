import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOn } from '../../src/dataflow/sources/redis-stream-call.js';
import { createClient } from '../../src/resp/client.js';
import { createCluster } from '../../src/resp/cluster/cluster-client.js';
import type { Reply } from '../../src/resp/reply.js';
import type { RedisTransport } from '../../src/resp/target.js';
import { buildCli, type JobProcess, spawnJob } from '../support/job-process.js';
import { type RedisCluster, type RedisServer, startCluster, startRedis } from '../support/redis.js';

/**
 * Stream → list, exactly once end to end: a `laminar-redis job` process reading Redis streams
 * through a consumer group into an exactly-once list table is SIGKILLed at one of five points
 * (mid-read, mid-flush, mid-checkpoint, after a checkpoint before XACK, during a claim), then
 * started again. Each list must then hold its stream's entries exactly once, in stream order, and
 * the group must have nothing pending. `LAMINAR_SOAK=1` (npm run test:soak) writes 1M entries.
 */
const SOAK = process.env.LAMINAR_SOAK === '1';
const STREAMS = 4;
const PER_STREAM = SOAK ? 250_000 : 6_000;
const KEYS_PER_STREAM = 4;
/** The stream a consumer that died read in full: its entries reach the job through a claim. */
const DEAD_STREAM = 3;
const DONE_TIMEOUT_MS = SOAK ? 600_000 : 90_000;

const POINTS: Array<{ name: string; fault: string }> = [
  { name: 'mid-read', fault: 'stream-read:3' },
  { name: 'mid-flush', fault: 'mid-flush:2' },
  { name: 'mid-checkpoint', fault: 'after-ack:2' },
  { name: 'after a checkpoint, before XACK', fault: 'stream-before-ack:2' },
  { name: 'during a claim', fault: 'stream-claim:1' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([{ mode: 'standalone' as const }, { mode: 'cluster' as const }])(
  'stream source crash recovery ($mode)',
  ({ mode }) => {
    let server: RedisServer | undefined;
    let cluster: RedisCluster | undefined;
    let redis: RedisTransport;
    let work: string;
    let connection: { address: string } | { addresses: string[] };
    let sqlConnection: string;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'laminar-stream-'));
      await buildCli();
      if (mode === 'standalone') {
        server = await startRedis();
        connection = { address: server.url };
        sqlConnection = `address = '${server.url}'`;
        redis = await createClient(server.url);
      } else {
        // The 6-node cluster: 3 masters, each with a replica.
        cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
        const urls = cluster.addresses.map((a) => `redis://${a}`);
        connection = { addresses: urls };
        sqlConnection = `'cluster.addresses' = '${urls.join(',')}'`;
        redis = await createCluster({ addresses: urls });
      }
    }, 120_000);

    afterAll(async () => {
      await redis?.close();
      await server?.stop();
      await cluster?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const streamKey = (s: number) => `st:${s}`;

    /** Empties Redis and fills the streams; a consumer `dead` reads all of one stream and dies. */
    async function prepare(): Promise<void> {
      if (mode === 'standalone') await redis.send(['FLUSHALL']);
      else for (const m of await cluster!.masters()) await flushNode(`redis://${m.address}`);
      for (let s = 0; s < STREAMS; s++) {
        for (let from = 0; from < PER_STREAM; from += 5000) {
          const n = Math.min(5000, PER_STREAM - from);
          await redis.pipeline(
            Array.from({ length: n }, (_, j) => {
              const seq = from + j;
              const row = { k: `${s}:${seq % KEYS_PER_STREAM}`, seq };
              return ['XADD', streamKey(s), '*', 'row', JSON.stringify(row)];
            }),
          );
        }
      }
      const dead = streamKey(DEAD_STREAM);
      await callOn(redis, dead, ['XGROUP', 'CREATE', dead, 'g', '0']);
      await callOn(redis, dead, ['XREADGROUP', 'GROUP', 'g', 'dead', 'STREAMS', dead, '>']);
    }

    async function writeJobSpec(dir: string): Promise<string> {
      const spec = {
        name: 'streams',
        sources: [
          {
            type: 'redis-stream',
            name: 'orders',
            ...connection,
            streams: Array.from({ length: STREAMS }, (_, s) => streamKey(s)),
            group: 'g',
            consumer: 'job-a',
            start: '0',
            claimIdleMs: 300,
            pollMs: 20,
          },
        ],
        tables: [
          {
            sql: `CREATE TABLE out (k TEXT, seq BIGINT) WITH (connector = 'redis', ${sqlConnection}, type = 'sink',
              'sink.type' = 'list', 'sink.list_prefix' = 'out:', 'sink.list_key_column' = 'k', 'sink.operation' = 'Append',
              'sink.delivery' = 'exactly_once', 'sink.flush_interval_ms' = '20')`,
            shards: 2,
          },
        ],
        checkpoint: { dir: join(dir, 'cp'), intervalMs: 150 },
        batchSize: 500,
      };
      const file = join(dir, 'job.json');
      await writeFile(file, JSON.stringify(spec));
      return file;
    }

    /** Lists complete and nothing pending. */
    async function done(): Promise<boolean> {
      for (let s = 0; s < STREAMS; s++) {
        const pending = (await redis.send(['XPENDING', streamKey(s), 'g'])) as Reply[];
        if (Number(pending[0]) !== 0) return false;
        for (let k = 0; k < KEYS_PER_STREAM; k++) {
          const len = Number(await redis.send(['LLEN', `out:${s}:${k}`]));
          if (len < PER_STREAM / KEYS_PER_STREAM) return false;
        }
      }
      return true;
    }

    async function waitDone(job: JobProcess): Promise<void> {
      const end = Date.now() + DONE_TIMEOUT_MS;
      let exited = false;
      void job.exited.then(() => (exited = true));
      while (!(await done())) {
        if (exited) throw new Error(`the job exited before it was done\n${job.stderr().slice(-3000)}`);
        if (Date.now() > end) throw new Error(`not done in time\n${job.stderr().slice(-3000)}`);
        await sleep(100);
      }
    }

    async function expectExactlyOnceInOrder(): Promise<void> {
      for (let s = 0; s < STREAMS; s++) {
        for (let k = 0; k < KEYS_PER_STREAM; k++) {
          const items = (await redis.send(['LRANGE', `out:${s}:${k}`, 0, -1])) as string[];
          const seqs = items.map((x) => (JSON.parse(x) as { seq: number }).seq);
          const want = Array.from(
            { length: PER_STREAM / KEYS_PER_STREAM },
            (_, i) => i * KEYS_PER_STREAM + k,
          );
          expect(seqs.length, `list out:${s}:${k}`).toBe(want.length);
          expect(seqs).toEqual(want);
        }
        const pending = (await redis.send(['XPENDING', streamKey(s), 'g'])) as Reply[];
        expect(Number(pending[0]), `pending of ${streamKey(s)}`).toBe(0);
      }
    }

    it.each(POINTS)(
      'stream source — killed $name, resumed: every entry in its list once, in stream order; nothing pending',
      async ({ fault }) => {
        const dir = await mkdtemp(join(work, 'run-'));
        await prepare();
        const spec = await writeJobSpec(dir);
        const first = await spawnJob(spec, { LAMINAR_FAULT: fault });
        const ended = await Promise.race([first.exited, sleep(DONE_TIMEOUT_MS).then(() => null)]);
        if (ended === null) first.child.kill('SIGKILL');
        expect(first.stderr(), first.stderr().slice(-2000)).toContain(
          `fault injected at ${fault.split(':')[0]}`,
        );
        const second = await spawnJob(spec);
        try {
          await waitDone(second);
        } finally {
          second.child.kill('SIGKILL');
          await second.exited;
        }
        await expectExactlyOnceInOrder();
      },
      DONE_TIMEOUT_MS * 2 + 60_000,
    );
  },
);

async function flushNode(url: string): Promise<void> {
  const c = await createClient(url);
  try {
    await c.send(['FLUSHALL']);
  } finally {
    await c.close();
  }
}
