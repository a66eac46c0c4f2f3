import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamSource } from '../../src/dataflow/sources/redis-stream.js';
import { callOn } from '../../src/dataflow/sources/redis-stream-call.js';
import { type RedisCluster as ClusterClient, createCluster } from '../../src/resp/cluster/cluster-client.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { type RedisCluster, startCluster } from '../support/redis.js';

describe('redis stream source on a cluster', () => {
  let cluster: RedisCluster;
  let client: ClusterClient;
  let urls: string[];

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    urls = cluster.addresses.map((a) => `redis://${a}`);
    client = await createCluster({ addresses: urls });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });

  it('redis stream source (cluster) — a pattern finds streams on every master, and each is read from its own', async () => {
    const streams = Array.from({ length: 12 }, (_, i) => `cl:${i}`);
    const owners = new Set<string>();
    for (const s of streams) {
      owners.add((await cluster.ownerOf(keySlot(s))).address);
      await callOn(client, s, ['XADD', s, '*', 'row', JSON.stringify({ stream: s })]);
    }
    expect(owners.size).toBeGreaterThan(1); // the streams do live on several masters
    const source = new RedisStreamSource({
      name: 'src',
      profile: { name: 'src', connection: { kind: 'cluster', addresses: urls } },
      pattern: 'cl:*',
      group: 'g',
      start: '0',
      claimIdleMs: 0,
    });
    const readers = await source.open({});
    expect(readers.map((r) => r.channel).sort()).toEqual(streams.map((s) => `src/${s}`).sort());
    for (const r of readers) {
      const batch = await r.read(10, new AbortController().signal);
      expect(batch!.rows).toEqual([{ stream: r.channel.slice('src/'.length) }]);
      r.committed!(r.position());
      await r.close();
    }
    for (const s of streams) {
      const pending = (await callOn(client, s, ['XPENDING', s, 'g'])) as unknown[];
      expect(Number(pending[0])).toBe(0);
    }
  }, 60_000);
});
