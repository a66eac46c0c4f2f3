import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, keySlot, type RedisClient } from '../../src/index.js';
import type { PubSubMessage } from '../../src/resp/subscriber.js';
import { type ClusterSubscriber, createClusterSubscriber } from '../../src/resp/subscriber-cluster.js';
import { type ClusterNodeInfo, startCluster, type RedisCluster as TestCluster } from '../support/redis.js';
import { until } from '../support/until.js';

let c: TestCluster;
const admin = new Map<string, RedisClient>();
beforeAll(async () => {
  c = await startCluster({ masters: 3, replicasPerMaster: 1 });
  for (const m of await c.masters()) admin.set(m.id, await createClient(`redis://${m.address}`));
}, 120_000);
afterAll(async () => {
  for (const a of admin.values()) await a.close();
  await c?.stop();
});

function collect(sub: ClusterSubscriber): PubSubMessage[] {
  const got: PubSubMessage[] = [];
  sub.on('message', (m) => got.push(m));
  return got;
}

async function publishOn(
  node: ClusterNodeInfo,
  command: 'PUBLISH' | 'SPUBLISH',
  channel: string,
  payload: string,
) {
  await admin.get(node.id)!.send([command, channel, payload]);
}

/** Three channels whose slots are served by three different masters. */
async function channelsOnEveryMaster(): Promise<Map<string, ClusterNodeInfo>> {
  const out = new Map<string, ClusterNodeInfo>();
  const seen = new Set<string>();
  for (let i = 0; out.size < 3 && i < 1000; i++) {
    const ch = `orders:{t${i}}`;
    const owner = await c.ownerOf(ch);
    if (seen.has(owner.id)) continue;
    seen.add(owner.id);
    out.set(ch, owner);
  }
  return out;
}

describe('cluster subscriber', () => {
  it('cluster subscriber — SSUBSCRIBE lands each channel on its master and receives SPUBLISH', async () => {
    await using sub = await createClusterSubscriber({
      addresses: [`redis://${c.addresses[0]}`],
      refreshInterval: 0,
    });
    const got = collect(sub);
    const channels = await channelsOnEveryMaster();
    await sub.ssubscribe(...channels.keys());
    for (const [ch, owner] of channels) expect(sub.nodeOf(ch)).toBe(owner.address);
    for (const [ch, owner] of channels) await publishOn(owner, 'SPUBLISH', ch, `to ${ch}`);
    await until(
      '3 messages',
      () => got.length,
      (n) => n === 3,
    );
    expect(got.map((m) => [m.kind, m.channel, m.payload]).sort()).toEqual(
      [...channels.keys()].map((ch) => ['smessage', ch, `to ${ch}`]).sort(),
    );
  });

  it('cluster subscriber — channels and patterns hear what any node publishes', async () => {
    await using sub = await createClusterSubscriber({
      addresses: [`redis://${c.addresses[1]}`],
      refreshInterval: 0,
    });
    const got = collect(sub);
    await sub.subscribe('news');
    await sub.psubscribe('logs.*');
    for (const m of await c.masters()) {
      await publishOn(m, 'PUBLISH', 'news', `n-${m.port}`);
      await publishOn(m, 'PUBLISH', 'logs.app', `l-${m.port}`);
    }
    await until(
      '6 messages',
      () => got.length,
      (n) => n === 6,
    );
    expect(got.filter((m) => m.kind === 'message')).toHaveLength(3);
    expect(got.filter((m) => m.kind === 'pmessage' && m.pattern === 'logs.*')).toHaveLength(3);
  });

  it('cluster subscriber — a shard channel follows its slot when the slot migrates', async () => {
    await using sub = await createClusterSubscriber({
      addresses: [`redis://${c.addresses[0]}`],
      refreshInterval: 0,
    });
    const got = collect(sub);
    const ch = 'moving:{m1}';
    const slot = keySlot(ch);
    await sub.ssubscribe(ch);
    const masters = await c.masters();
    const src = await c.ownerOf(ch);
    const dst = masters.find((m) => m.id !== src.id)!;
    expect(sub.nodeOf(ch)).toBe(src.address);
    const on = (n: ClusterNodeInfo) => admin.get(n.id)!;
    await on(dst).send(['CLUSTER', 'SETSLOT', slot, 'IMPORTING', src.id]);
    await on(src).send(['CLUSTER', 'SETSLOT', slot, 'MIGRATING', dst.id]);
    await on(dst).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
    // The old owner drops the slot and ends its shard subscriptions there (sunsubscribe).
    await on(src).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
    for (const m of masters) {
      if (m.id !== src.id && m.id !== dst.id) await on(m).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
    }
    await until(
      'resubscribed on the new owner',
      () => sub.nodeOf(ch),
      (n) => n === dst.address,
    );
    await publishOn(dst, 'SPUBLISH', ch, 'after the move');
    await until(
      'the message',
      () => got.length,
      (n) => n === 1,
    );
    expect(got[0]).toMatchObject({ kind: 'smessage', channel: ch, payload: 'after the move' });
  });

  it('cluster subscriber — a shard channel moves to the promoted replica when its master dies', async () => {
    await using sub = await createClusterSubscriber({
      addresses: c.addresses.map((a) => `redis://${a}`),
      refreshInterval: 0,
      reconnect: { initialDelay: 20, maxDelay: 200 },
    });
    const got = collect(sub);
    const lost: unknown[] = [];
    sub.on('disconnected', (e) => lost.push(e));
    const ch = 'failing:{f1}';
    await sub.ssubscribe(ch);
    const old = await c.ownerOf(ch);
    expect(sub.nodeOf(ch)).toBe(old.address);
    await c.killMaster(ch);
    await until(
      'the loss reported',
      () => lost.length,
      (n) => n >= 1,
    );
    await c.waitHealthy({ timeoutMs: 60_000 });
    const promoted = await c.ownerOf(ch);
    expect(promoted.address).not.toBe(old.address);
    await until(
      'subscribed on the promoted replica',
      () => sub.nodeOf(ch),
      (n) => n === promoted.address,
      30_000,
    );
    const node = await createClient(`redis://${promoted.address}`);
    await node.send(['SPUBLISH', ch, 'after failover']);
    await until(
      'the message',
      () => got.length,
      (n) => n === 1,
    );
    expect(got[0]).toMatchObject({ kind: 'smessage', channel: ch, payload: 'after failover' });
    await node.close();
  }, 120_000);
});
