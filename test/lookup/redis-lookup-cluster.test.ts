/**
 * Lookups against a real 3-master cluster: one batch with keys in every one of the 16384 slots,
 * read in one pipeline with no CROSSSLOT error, no redirection, and one MGET per slot.
 */
import calculateSlot from 'cluster-key-slot';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import {
  createRedisLookup,
  parseLookupTable,
  type RedisLookup,
  type RedisLookupOptions,
} from '../../src/lookup/index.js';
import { type RedisCluster as ClusterClient, createCluster } from '../../src/resp/cluster/cluster-client.js';
import { cli, parseInfo, type RedisCluster, SLOTS, startCluster } from '../support/redis.js';

let cluster: RedisCluster;
let urls: string[];
let writer: ClusterClient;

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
  urls = cluster.addresses.map((a) => `redis://${a}`);
  writer = await createCluster({ addresses: urls });
});
afterAll(async () => {
  await writer?.close();
  await cluster?.stop();
});
beforeEach(async () => {
  for (const n of cluster.nodes) {
    await cli(n, 'FLUSHALL');
    await cli(n, 'CONFIG', 'RESETSTAT');
  }
});

/** `TAGS[s]` hashes to slot s: a key `{TAGS[s]}...` lives in slot s. */
const TAGS: string[] = (() => {
  const tags = new Array<string>(SLOTS);
  let found = 0;
  for (let j = 0; found < SLOTS; j++) {
    const t = `t${j}`;
    const s = calculateSlot(t);
    if (tags[s] === undefined) {
      tags[s] = t;
      found++;
    }
  }
  return tags;
})();

async function lookupOf(
  name: string,
  columns: string,
  options: string,
  lookupOptions: RedisLookupOptions = {},
) {
  const table = await parseLookupTable(
    `CREATE TABLE ${name} (${columns}) WITH (connector = 'redis', type = 'lookup', 'cluster.addresses' = '${urls.join(',')}', ${options})`,
  );
  return createRedisLookup(table, lookupOptions);
}

/** Summed over the masters: an `INFO` section's field, parsed by `pick`. */
async function summed(section: string, pick: (info: Record<string, string>) => number): Promise<number> {
  let total = 0;
  for (const n of cluster.nodes) total += pick(parseInfo(await cli(n, 'INFO', section)));
  return total;
}

const calls = (cmd: string) => (info: Record<string, string>) =>
  Number(/calls=(\d+)/.exec(info[`cmdstat_${cmd}`] ?? '')?.[1] ?? 0);

async function write(commands: string[][]): Promise<void> {
  for (let i = 0; i < commands.length; i += 2000) await writer.pipeline(commands.slice(i, i + 2000));
}

describe('redis lookup — cluster', () => {
  test('redis lookup — one batch over all 16384 slots: one MGET per slot, no CROSSSLOT, no redirection', async () => {
    // Two keys per slot (so MGETs really hold several keys), plus a missing key per slot.
    const keys: string[] = [];
    const commands: string[][] = [];
    for (let s = 0; s < SLOTS; s++) {
      for (const suffix of ['a', 'b']) {
        const k = `{${TAGS[s]}}${suffix}`;
        keys.push(k);
        commands.push(['SET', `u:${k}`, JSON.stringify({ slot: s, suffix })]);
      }
      keys.push(`{${TAGS[s]}}missing`);
    }
    await write(commands);
    const l: RedisLookup = await lookupOf(
      'everywhere',
      'id TEXT PRIMARY KEY, slot INTEGER, suffix TEXT',
      `'lookup.key_prefix' = 'u:'`,
    );
    try {
      const batch = [...keys, null, keys[0]];
      const rows = await l.lookup(batch);
      for (let i = 0; i < keys.length; i++) {
        const s = Math.floor(i / 3);
        const expected = i % 3 === 2 ? null : { id: keys[i], slot: s, suffix: i % 3 === 0 ? 'a' : 'b' };
        if (i % 3 === 2) expect(rows[i]).toBeNull();
        else expect(rows[i]).toEqual(expected);
      }
      expect(rows[keys.length]).toBeNull();
      expect(rows[keys.length + 1]).toBe(rows[0]);
      expect(l.stats()).toMatchObject({ roundTrips: 1, fetched: keys.length, found: 2 * SLOTS, retries: 0 });
      expect(await summed('commandstats', calls('mget'))).toBe(SLOTS);
      expect(await summed('errorstats', (info) => Object.keys(info).length)).toBe(0);
    } finally {
      await l.close();
    }
  });

  test('redis lookup — keys without hash tags (plain ids) group by slot on their own', async () => {
    const commands: string[][] = [];
    for (let i = 0; i < 5000; i++) commands.push(['SET', `user:${i}`, JSON.stringify({ n: i })]);
    await write(commands);
    const l = await lookupOf('plain', 'id BIGINT PRIMARY KEY, n BIGINT', `'lookup.key_prefix' = 'user:'`);
    try {
      const ids = Array.from({ length: 6000 }, (_, i) => String(i));
      const rows = await l.lookup(ids);
      expect(rows.slice(0, 5000).every((r, i) => r !== null && r.id === i && r.n === i)).toBe(true);
      expect(rows.slice(5000).every((r) => r === null)).toBe(true);
      const slots = new Set(ids.map((i) => calculateSlot(`user:${i}`)));
      expect(await summed('commandstats', calls('mget'))).toBe(slots.size);
      expect(await summed('errorstats', (info) => Object.keys(info).length)).toBe(0);
    } finally {
      await l.close();
    }
  });

  test('redis lookup — hashes on a cluster: HMGET per key in one pipeline, routed by slot', async () => {
    const commands: string[][] = [];
    for (let s = 0; s < SLOTS; s += 7)
      commands.push(['HSET', `inv:{${TAGS[s]}}`, 'qty', String(s), 'sku', `S${s}`]);
    await write(commands);
    const l = await lookupOf(
      'inventory',
      'w TEXT PRIMARY KEY, sku TEXT, qty INTEGER',
      `'lookup.key_prefix' = 'inv:', 'lookup.value_type' = 'hash'`,
    );
    try {
      const keys = Array.from({ length: Math.ceil(SLOTS / 7) }, (_, j) => `{${TAGS[j * 7]}}`);
      const rows = await l.lookup([...keys, '{nope}']);
      expect(rows.slice(0, -1).every((r, j) => r !== null && r.qty === j * 7 && r.sku === `S${j * 7}`)).toBe(
        true,
      );
      expect(rows.at(-1)).toBeNull();
      expect(l.stats().roundTrips).toBe(1);
      expect(await summed('commandstats', calls('hmget'))).toBe(keys.length + 1);
    } finally {
      await l.close();
    }
  });

  test('redis lookup — cache on a cluster: hits skip Redis until the TTL passes', async () => {
    const clock = new ManualClock(0);
    await write([['SET', 'c:{a}1', JSON.stringify({ v: 1 })]]);
    const l = await lookupOf(
      'cached',
      'id TEXT PRIMARY KEY, v INTEGER',
      `'lookup.key_prefix' = 'c:', 'lookup.cache.ttl' = '5s'`,
      {
        clock,
      },
    );
    try {
      expect(await l.lookup(['{a}1'])).toEqual([{ id: '{a}1', v: 1 }]);
      await write([['SET', 'c:{a}1', JSON.stringify({ v: 2 })]]);
      expect(await l.lookup(['{a}1'])).toEqual([{ id: '{a}1', v: 1 }]);
      clock.advance(5_000);
      expect(await l.lookup(['{a}1'])).toEqual([{ id: '{a}1', v: 2 }]);
      expect(l.stats().roundTrips).toBe(2);
    } finally {
      await l.close();
    }
  });
});
