/**
 * SQL pipelines fed by pub/sub: a channel and a pattern on a standalone server, and shard
 * channels (SSUBSCRIBE) on a 6-node cluster. Rows published after the job subscribed land in the
 * sink; what lands is read back with plain connections.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type JobHandle, startJob } from '../../src/index.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { cli, type RedisCluster, type RedisServer, startCluster, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

let work: string;
const jobs: JobHandle[] = [];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-pubsub-'));
});
afterAll(async () => {
  for (const j of jobs) await j.stop().catch(() => {});
  await rm(work, { recursive: true, force: true });
});

async function run(name: string, sql: string): Promise<JobHandle> {
  const spec = await compileSqlScript(sql, { name });
  const job = startJob({ ...spec, checkpoint: { dir: join(work, name), intervalMs: 200 } });
  job.done.catch(() => {});
  jobs.push(job);
  return job;
}

/** Publishes `command` until someone subscribed (the job subscribes once it started). */
async function whenSubscribed(count: () => Promise<number>): Promise<void> {
  await until('the job subscribed', count, (n) => n > 0, 30_000);
}

describe('pub/sub pipeline on a standalone server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('pub/sub pipeline — rows from a channel and a pattern land in a hash table', async () => {
    const job = await run(
      'ps_standalone',
      `CREATE TABLE clicks (user_id TEXT, page TEXT) WITH (
         connector = 'redis', type = 'source', address = '${server.url}',
         'source.channels' = 'clicks', 'source.patterns' = 'clicks.*'
       );
       CREATE TABLE last_page (user_id TEXT, page TEXT) WITH (
         connector = 'redis', type = 'sink', address = '${server.url}',
         'sink.type' = 'hash', 'sink.hash_key_prefix' = 'last:', 'sink.hash_key_column' = 'user_id',
         'sink.hash_field_column' = 'page'
       );
       INSERT INTO last_page SELECT user_id, page FROM clicks;`,
    );
    await whenSubscribed(async () => Number((await cli(server, 'pubsub', 'numpat')).trim()));
    const pub = await createClient(server.url);
    await pub.send(['PUBLISH', 'clicks', JSON.stringify({ user_id: 'u1', page: 'home' })]);
    await pub.send(['PUBLISH', 'clicks.mobile', JSON.stringify({ user_id: 'u2', page: 'cart' })]);
    await pub.send(['PUBLISH', 'other', JSON.stringify({ user_id: 'u3', page: 'never' })]);
    await until(
      'both rows',
      async () => (await cli(server, 'keys', 'last:*')).split('\n').filter(Boolean).sort(),
      (k) => k.length === 2,
    );
    expect((await cli(server, 'hkeys', 'last:u1')).trim()).toBe('home');
    expect((await cli(server, 'hkeys', 'last:u2')).trim()).toBe('cart');
    await pub.close();
    await job.stop();
  });
});

describe('pub/sub pipeline on a cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('pub/sub pipeline — SSUBSCRIBE shard channels on three masters land in a string table', async () => {
    const urls = cluster.addresses.map((a) => `redis://${a}`);
    // Shard channels whose slots three different masters serve.
    const channels: string[] = [];
    const owners = new Set<string>();
    for (let i = 0; channels.length < 3; i++) {
      const owner = await cluster.ownerOf(`ev:{${i}}`);
      if (owners.has(owner.id)) continue;
      owners.add(owner.id);
      channels.push(`ev:{${i}}`);
    }
    const job = await run(
      'ps_cluster',
      `CREATE TABLE events (id TEXT, v BIGINT) WITH (
         connector = 'redis', type = 'source', 'cluster.addresses' = '${urls.join(',')}',
         'source.shard_channels' = '${channels.join(',')}'
       );
       CREATE TABLE latest (id TEXT, v BIGINT) WITH (
         connector = 'redis', type = 'sink', 'cluster.addresses' = '${urls.join(',')}',
         'sink.type' = 'string', 'sink.key_prefix' = 'latest:', 'sink.key_column' = 'id'
       );
       INSERT INTO latest SELECT id, v FROM events;`,
    );
    for (const ch of channels) {
      const owner = await cluster.ownerOf(ch);
      const node = await createClient(`redis://${owner.address}`);
      await whenSubscribed(async () => {
        const r = (await node.send(['PUBSUB', 'SHARDNUMSUB', ch])) as unknown[];
        return Number(r[1]);
      });
      await node.send(['SPUBLISH', ch, JSON.stringify({ id: ch, v: 42 })]);
      await node.close();
    }
    for (const ch of channels) {
      const owner = await cluster.ownerOf(`latest:${ch}`);
      const node = await createClient(`redis://${owner.address}`);
      const v = await until(
        'the row',
        () => node.send(['GET', `latest:${ch}`]),
        (x) => x !== null,
      );
      expect(JSON.parse(String(v))).toEqual({ id: ch, v: 42 });
      await node.close();
    }
    await job.stop();
  });
});
