import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  createCluster,
  keySlot,
  type RedisClient,
  type RedisCluster,
} from '../../src/index.js';
import { CrossSlotError } from '../../src/resp/errors.js';
import type { Command, Reply } from '../../src/resp/reply.js';
import { scrapeValue } from '../support/metrics.js';
import { cli, startCluster, type RedisCluster as TestCluster } from '../support/redis.js';

let cluster: TestCluster;
let cl: RedisCluster;
let probe: RedisClient;
beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  cl = await createCluster({ addresses: [`redis://${cluster.addresses[0]}`], refreshInterval: 0 });
  const [host, port] = cluster.addresses[0].split(':');
  probe = await createClient({ host, port: Number(port) });
}, 120_000);
afterAll(async () => {
  await probe?.close();
  await cl?.close();
  await cluster?.stop();
});

/** Moves a slot with its keys from its owner to another master, the way redis-cli reshard does. */
async function moveSlot(slot: number, opts: { stopAfterKeys?: number } = {}) {
  const masters = await cluster.masters();
  const src = masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b))!;
  const dst = masters.find((m) => m !== src)!;
  await cli(dst, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', src.id);
  await cli(src, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', dst.id);
  const keys = (await cli(src, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')).split('\n').filter(Boolean);
  const moving = opts.stopAfterKeys === undefined ? keys : keys.slice(0, opts.stopAfterKeys);
  for (const k of moving) await cli(src, 'MIGRATE', dst.host, String(dst.port), k, '0', '5000');
  const finish = async () => {
    for (const k of keys.slice(moving.length))
      await cli(src, 'MIGRATE', dst.host, String(dst.port), k, '0', '5000');
    for (const m of masters) await cli(m, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', dst.id);
  };
  if (opts.stopAfterKeys === undefined) await finish();
  return { src, dst, keys, moving, finish };
}

describe('cluster client', () => {
  it('cluster — 100k keys over all slots written with pipelines and read back in order', async () => {
    const n = 100_000;
    const sets: Command[] = [];
    const gets: Command[] = [];
    for (let i = 0; i < n; i++) {
      sets.push(['SET', `k:${i}`, `v${i}`]);
      gets.push(['GET', `k:${i}`]);
    }
    const written = await cl.pipeline(sets);
    expect(written.every((r) => r === 'OK')).toBe(true);
    const read = await cl.pipeline(gets);
    let same = 0;
    for (let i = 0; i < n; i++) if (read[i] === `v${i}`) same++;
    expect(same).toBe(n);
    const masters = await cluster.masters();
    let total = 0;
    for (const m of masters) total += Number(await cli(m, 'DBSIZE'));
    expect(total).toBeGreaterThanOrEqual(n);
  });

  it('cluster — hash-tagged keys share one slot and multi-key commands work on them', async () => {
    const keys = ['{user:7}:a', '{user:7}:b', '{user:7}:c'];
    expect(new Set(keys.map((k) => keySlot(k))).size).toBe(1);
    await cl.send(['MSET', keys[0], '1', keys[1], '2', keys[2], '3']);
    expect(await cl.send(['MGET', ...keys])).toEqual(['1', '2', '3']);
  });

  it('cluster — a multi-key command across slots is refused before sending', async () => {
    await expect(cl.send(['MGET', 'a', 'b'])).rejects.toBeInstanceOf(CrossSlotError);
    await expect(
      cl.pipeline([
        ['SET', 'x', '1'],
        ['DEL', 'a', 'b', 'c'],
      ]),
    ).rejects.toMatchObject({
      code: 'ERR_CROSS_SLOT',
    });
  });

  it('cluster — keyless commands go to a master', async () => {
    expect(await cl.send(['PING'])).toBe('PONG');
    const role = (await cl.send(['ROLE'])) as Reply[];
    expect(role[0]).toBe('master');
  });

  it('cluster — MOVED updates the slot, the command lands on the new owner', async () => {
    const key = 'moved-key';
    const slot = keySlot(key);
    await cl.send(['SET', key, 'before']);
    const before = cl.stats.moved;
    const scrapedBefore = (await scrapeValue('laminar_redirections_total', { kind: 'moved' })) ?? 0;
    const { dst } = await moveSlot(slot);
    expect(await cl.send(['GET', key])).toBe('before');
    expect(cl.stats.moved - before).toBeGreaterThan(0);
    expect(await scrapeValue('laminar_redirections_total', { kind: 'moved' })).toBe(
      scrapedBefore + cl.stats.moved - before,
    );
    expect(await cl.send(['SET', key, 'after'])).toBe('OK');
    expect(await cli(dst, 'GET', key)).toBe('after');
  });

  it('cluster — ASK sends ASKING and the command to the target without changing the map', async () => {
    const tag = '{ask-slot}';
    const slot = keySlot(tag);
    const keys = Array.from({ length: 6 }, (_, i) => `${tag}:${i}`);
    for (const k of keys) await cl.send(['SET', k, k]);
    const before = cl.stats.ask;
    const { moving, finish } = await moveSlot(slot, { stopAfterKeys: 3 });
    const replies = await cl.pipeline(keys.map((k) => ['GET', k]));
    expect(replies).toEqual(keys);
    expect(cl.stats.ask - before).toBeGreaterThanOrEqual(moving.length);
    expect(await scrapeValue('laminar_redirections_total', { kind: 'ask' })).toBeGreaterThanOrEqual(
      cl.stats.ask,
    );
    await finish();
    expect(await cl.send(['GET', keys[5]])).toBe(keys[5]);
  });

  it('cluster — TRYAGAIN during a migration is retried with backoff until the slot settles', async () => {
    const tag = '{tryagain}';
    const keys = Array.from({ length: 4 }, (_, i) => `${tag}:${i}`);
    for (const k of keys) await cl.send(['SET', k, k]);
    const before = cl.stats.transient;
    // Half the keys moved: a multi-key command over both halves gets TRYAGAIN until the move ends.
    const { finish } = await moveSlot(keySlot(tag), { stopAfterKeys: 2 });
    const mget = cl.send(['MGET', ...keys]);
    await new Promise((r) => setTimeout(r, 200));
    await finish();
    expect(await mget).toEqual(keys);
    expect(cl.stats.transient - before).toBeGreaterThan(0);
    expect(await scrapeValue('laminar_retries_total', { reason: 'TRYAGAIN' })).toBeGreaterThan(0);
  });

  it('cluster — property: keySlot agrees with CLUSTER KEYSLOT for arbitrary keys', async () => {
    const key = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: fc.constantFrom('{', '}', 'a', 'b', ''), maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u)),
      fc.string({ unit: 'binary', maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 50 }), async (keys) => {
        const replies = await probe.pipeline(keys.map((k) => ['CLUSTER', 'KEYSLOT', k]));
        expect(replies).toEqual(keys.map((k) => keySlot(k)));
      }),
      { numRuns: 100 },
    );
  });
});
