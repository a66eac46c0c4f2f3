/**
 * Both clients behind the one transport interface, against real servers: callers above `resp/`
 * tell them apart by `topology` and capabilities only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster, keySlot, SLOT_COUNT } from '../../src/index.js';
import type { EncodedCommands } from '../../src/resp/encoded-commands.js';
import { CommandEncoder } from '../../src/resp/encoder.js';
import type { Command } from '../../src/resp/reply.js';
import type { RedisTransport } from '../../src/resp/target.js';
import {
  type RedisServer,
  startCluster,
  startRedis,
  type RedisCluster as TestCluster,
} from '../support/redis.js';

let server: RedisServer;
let cluster: TestCluster;
let standalone: RedisTransport;
let clustered: RedisTransport;
beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedis(), startCluster({ masters: 3, replicasPerMaster: 1 })]);
  standalone = await createClient(server.url);
  clustered = await createCluster({ addresses: [`redis://${cluster.addresses[0]}`], refreshInterval: 0 });
}, 120_000);
afterAll(async () => {
  await standalone?.close();
  await clustered?.close();
  await server?.stop();
  await cluster?.stop();
});

/** Keys spread over many slots, with their slots. */
const keys = Array.from({ length: 50 }, (_, i) => `transport:{k${i}}`);
const slots = keys.map(keySlot);

describe('RedisTransport', () => {
  it('transport — standalone: topology, pipelines by slot and pre-encoded pipelines', async () => {
    const t = standalone;
    expect(t.topology).toBe('standalone');
    expect(t.pipelineEncoded).toBeTypeOf('function');
    const sets: Command[] = keys.map((k, i) => ['SET', k, String(i)]);
    expect(await t.pipelineSlots(sets, slots)).toEqual(keys.map(() => 'OK'));
    const enc = new CommandEncoder();
    for (const k of keys) enc.encode(['GET', k]);
    const encoded: EncodedCommands = { chunks: enc.take(), count: keys.length, name: 'GET' };
    expect(await t.pipelineEncoded!(encoded)).toEqual(keys.map((_, i) => String(i)));
    expect(await t.send(['GET', keys[3]])).toBe('3');
  });

  it('transport — standalone: waitReplicas answers once, for the one server, whatever the range', async () => {
    const acks = await standalone.waitReplicas(0, 100, [100, 200]);
    expect(acks).toEqual([{ node: 'standalone', reply: 0 }]);
  });

  it('transport — cluster: topology, no pre-encoded pipelines, pipelines by slot in order', async () => {
    const t = clustered;
    expect(t.topology).toBe('cluster');
    expect(t.pipelineEncoded).toBeUndefined();
    const sets: Command[] = keys.map((k, i) => ['SET', k, String(i)]);
    expect(await t.pipelineSlots(sets, slots)).toEqual(keys.map(() => 'OK'));
    const gets: Command[] = keys.map((k) => ['GET', k]);
    expect(await t.pipeline(gets)).toEqual(keys.map((_, i) => String(i)));
    expect(await t.send(['GET', keys[7]])).toBe('7');
  });

  it('transport — cluster: waitReplicas answers once per master serving the range, in slot order', async () => {
    const masters = await cluster.masters();
    const ownerOf = (slot: number) =>
      masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b))!.address;
    const all = await clustered.waitReplicas(0, 100, [0, SLOT_COUNT - 1]);
    expect(all.map((a) => a.node).sort()).toEqual(masters.map((m) => m.address).sort());
    expect(all[0].node).toBe(ownerOf(0));
    for (const a of all) expect(a.reply).toBeTypeOf('number');
    // One master's slots only: one WAIT.
    const first = masters.find((m) => m.slots.some(([a]) => a === 0))!;
    const [lo, hi] = first.slots.find(([a]) => a === 0)!;
    const one = await clustered.waitReplicas(0, 100, [lo, hi]);
    expect(one.map((a) => a.node)).toEqual([first.address]);
    // A range across a master boundary: both masters, the lower slot's first.
    const across = await clustered.waitReplicas(0, 100, [hi, hi + 1]);
    expect(across.map((a) => a.node)).toEqual([ownerOf(hi), ownerOf(hi + 1)]);
  });

  it('transport — waitReplicas adds its WAIT timeout to commandTimeout, standalone and cluster', async () => {
    const short = await createClient(server.url, { commandTimeout: 1500 });
    const shortCluster = await createCluster({
      addresses: [`redis://${cluster.addresses[0]}`],
      refreshInterval: 0,
      commandTimeout: 1500,
    });
    try {
      // More replicas than there are: every WAIT blocks its whole 3 s on the server, past 1.5 s.
      const [one, all] = await Promise.all([
        short.waitReplicas(1, 3000, [0, SLOT_COUNT - 1]),
        shortCluster.waitReplicas(2, 3000, [0, SLOT_COUNT - 1]),
      ]);
      expect(one).toEqual([{ node: 'standalone', reply: 0 }]);
      expect(all).toHaveLength(3);
      for (const a of all) expect(a.reply).toBeTypeOf('number');
    } finally {
      await short.close();
      await shortCluster.close();
    }
  });
});
