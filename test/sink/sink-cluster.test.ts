/**
 * Sinks on a 3-master cluster at volume: 100k rows of each table type with keys over all 16384
 * slots. The cluster client splits every flush per node; the checks read each node directly, so
 * they see where every key landed, and the servers' own counters show no command was redirected.
 */
import calculateSlot from 'cluster-key-slot';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import { SinkWriteError } from '../../src/sink/errors.js';
import type { Row } from '../../src/sink/row-encoder.js';
import type { RedisSink } from '../../src/sink/sink.js';
import { asMap, scanKeys } from '../support/read-back.js';
import { cli, parseInfo, type RedisCluster, SLOTS, startCluster } from '../support/redis.js';

const ROWS = 100_000;
/** The failing sinks log their error; keep the output quiet. */
const silent = pino({ level: 'silent' });
let cluster: RedisCluster;
let urls: string[];

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
  urls = cluster.addresses.map((a) => `redis://${a}`);
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  for (const n of cluster.nodes) {
    await cli(n, 'flushall');
    await cli(n, 'config', 'resetstat');
  }
});

/** `TAGS[s]` is a string whose hash slot is `s`: `{TAGS[s]}...` puts a key in slot s. */
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

/** A seed-style statement for the test cluster (all three nodes as seeds). */
function ddl(name: string, columns: string, options: string): string {
  return `CREATE TABLE ${name} (${columns}) WITH (
    connector = 'redis',
    'cluster.addresses' = '${urls.join(',')}',
    type = 'sink',
    ${options}
  )`;
}

async function feed(sink: RedisSink, rows: readonly Row[], chunk = 5_000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) await sink.write(rows.slice(i, i + chunk));
  await sink.flush();
}

/** Per node (in `cluster.nodes` order): every key matching `pattern` and what `read` returns for it. */
async function perNode<V>(
  pattern: string,
  read: (c: RedisClient, keys: string[]) => Promise<V[]>,
): Promise<Map<string, V>[]> {
  const out: Map<string, V>[] = [];
  for (const url of urls) {
    const c = await createClient(url);
    try {
      const keys = await scanKeys(c, pattern, 5000);
      const m = new Map<string, V>();
      const chunk = 10_000;
      for (let i = 0; i < keys.length; i += chunk) {
        const part = keys.slice(i, i + chunk);
        const values = await read(c, part);
        for (let j = 0; j < part.length; j++) m.set(part[j], values[j]);
      }
      out.push(m);
    } finally {
      await c.close();
    }
  }
  return out;
}

/** The union of per-node maps; a key found on two nodes fails. */
function union<V>(maps: Map<string, V>[]): Map<string, V> {
  const all = new Map<string, V>();
  for (const m of maps) {
    for (const [k, v] of m) {
      expect(all.has(k), `${k} on two nodes`).toBe(false);
      all.set(k, v);
    }
  }
  return all;
}

/**
 * Every node took part, and each took exactly the writes of its slots: `verb` calls summed over
 * nodes equal `expectedCalls` (when given), and no node answered MOVED or ASK — the client sent
 * each command straight to its slot's owner.
 */
async function expectRoutedDirectly(verb: string, expectedCalls?: number): Promise<void> {
  let total = 0;
  for (const n of cluster.nodes) {
    const stats = parseInfo(await cli(n, 'info', 'commandstats'));
    const calls = Number(/calls=(\d+)/.exec(stats[`cmdstat_${verb}`] ?? '')?.[1] ?? 0);
    expect(calls, `${verb} calls on ${n.port}`).toBeGreaterThan(0);
    total += calls;
    const errors = parseInfo(await cli(n, 'info', 'errorstats'));
    expect(errors.errorstat_MOVED, `MOVED on ${n.port}`).toBeUndefined();
    expect(errors.errorstat_ASK, `ASK on ${n.port}`).toBeUndefined();
  }
  if (expectedCalls !== undefined) expect(total).toBe(expectedCalls);
}

/** Slot owners from the cluster's own view, to check each key sits on the node owning its slot. */
async function ownerPorts(): Promise<number[]> {
  const owner = new Array<number>(SLOTS);
  for (const m of await cluster.masters()) for (const [a, b] of m.slots) owner.fill(m.port, a, b + 1);
  return owner;
}

function expectOnOwners(maps: Map<string, unknown>[], owner: number[]): void {
  maps.forEach((m, i) => {
    const port = cluster.nodes[i].port;
    expect(m.size, `keys on ${port}`).toBeGreaterThan(0);
    for (const k of m.keys()) if (owner[calculateSlot(k)] !== port) expect.fail(`${k} is on ${port}`);
  });
}

describe('sink on cluster', () => {
  it('sink cluster — 100k string rows over all 16384 slots land on their owners, one SET each', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => ({ id: `{${TAGS[i % SLOTS]}}${i}`, n: i }));
    expect(new Set(rows.map((r) => calculateSlot(`s:${r.id}`))).size).toBe(SLOTS);
    const sink = await createSink({
      sql: ddl(
        'strings',
        'id TEXT, n BIGINT',
        `'sink.type' = 'string', 'sink.key_prefix' = 's:', 'sink.key_column' = 'id'`,
      ),
    });
    await feed(sink, rows);
    expect(sink.stats).toMatchObject({ rowsIn: ROWS, rowsWritten: ROWS, commands: ROWS });
    await sink.close();

    const maps = await perNode(
      's:*',
      (c, keys) => c.pipeline(keys.map((k) => ['GET', k])) as Promise<string[]>,
    );
    expectOnOwners(maps, await ownerPorts());
    const all = union(maps);
    expect(all.size).toBe(ROWS);
    for (const r of rows) {
      if (all.get(`s:${r.id}`) !== `{"id":"${r.id}","n":${r.n}}`)
        expect.fail(`s:${r.id} = ${all.get(`s:${r.id}`)}`);
    }
    await expectRoutedDirectly('set', ROWS);
  });

  it('sink cluster — 100k list rows over 2048 keys keep input order per key', async () => {
    const KEYS = 2048;
    const key = (k: number) => `{${TAGS[(k * 8) % SLOTS]}}${k}`;
    // Interleaved: consecutive rows go to different keys, each key's rows spread over many flushes.
    const rows = Array.from({ length: ROWS }, (_, i) => ({ feed: key((i * 7919) % KEYS), seq: i }));
    const sink = await createSink({
      sql: ddl(
        'lists',
        'feed TEXT, seq BIGINT',
        `'sink.type' = 'list', 'sink.list_prefix' = 'l:', 'sink.list_key_column' = 'feed', 'sink.operation' = 'Append'`,
      ),
    });
    await feed(sink, rows);
    expect(sink.stats.rowsWritten).toBe(ROWS);
    await sink.close();

    const maps = await perNode(
      'l:*',
      (c, keys) => c.pipeline(keys.map((k) => ['LRANGE', k, 0, -1])) as Promise<string[][]>,
    );
    expectOnOwners(maps, await ownerPorts());
    const all = union(maps);
    const expected = new Map<string, string[]>();
    for (const r of rows) {
      const k = `l:${r.feed}`;
      let l = expected.get(k);
      if (l === undefined) expected.set(k, (l = []));
      l.push(`{"feed":"${r.feed}","seq":${r.seq}}`);
    }
    expect(all.size).toBe(KEYS);
    expect(all).toEqual(expected);
    await expectRoutedDirectly('rpush');
  });

  it('sink cluster — 100k hash rows over 4096 keys: last value of each field wins', async () => {
    const KEYS = 4096;
    const key = (k: number) => `{${TAGS[(k * 4) % SLOTS]}}${k}`;
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      wh: key(i % KEYS),
      sku: `f${(i * 13) % 40}`,
      qty: i,
    }));
    const sink = await createSink({
      sql: ddl(
        'hashes',
        'wh TEXT, sku TEXT, qty INTEGER',
        `'sink.type' = 'hash', 'sink.hash_key_prefix' = 'h:', 'sink.hash_key_column' = 'wh', 'sink.hash_field_column' = 'sku'`,
      ),
    });
    await feed(sink, rows);
    expect(sink.stats.rowsWritten).toBe(ROWS);
    await sink.close();

    const maps = await perNode('h:*', async (c, keys) =>
      (await c.pipeline(keys.map((k) => ['HGETALL', k]))).map(asMap),
    );
    expectOnOwners(maps, await ownerPorts());
    const all = union(maps);
    const expected = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const k = `h:${r.wh}`;
      let h = expected.get(k);
      if (h === undefined) expected.set(k, (h = new Map()));
      h.set(r.sku, `{"wh":"${r.wh}","sku":"${r.sku}","qty":${r.qty}}`);
    }
    expect(all.size).toBe(KEYS);
    expect(all).toEqual(expected);
    await expectRoutedDirectly('hset');
  });

  describe('server errors on cluster', () => {
    /** A key whose slot is not served by the first seed node, so the error comes from a routed node. */
    async function keyAwayFromSeed(prefix: string): Promise<{ id: string; key: string }> {
      const seed = cluster.nodes[0].port;
      for (let j = 0; ; j++) {
        const id = `x${j}`;
        if ((await cluster.ownerOf(prefix + id)).port !== seed) return { id, key: prefix + id };
      }
    }

    it('sink cluster — HSET on a list key surfaces WRONGTYPE as SinkWriteError with key and command', async () => {
      const { id, key } = await keyAwayFromSeed('wh:');
      await cli(await cluster.ownerOf(key), 'rpush', key, 'not a hash');
      const sink = await createSink(
        {
          sql: ddl(
            'wrong_hash',
            'w TEXT, f TEXT',
            `'sink.type' = 'hash', 'sink.hash_key_prefix' = 'wh:', 'sink.hash_key_column' = 'w', 'sink.hash_field_column' = 'f'`,
          ),
        },
        { logger: silent },
      );
      const rows = Array.from({ length: 300 }, (_, i) => ({ w: i === 150 ? id : `ok${i}`, f: 'a' }));
      await sink.write(rows);
      const err = await sink.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkWriteError);
      expect(err).toMatchObject({
        code: 'ERR_SINK_WRITE',
        table: 'wrong_hash',
        command: 'HSET',
        key,
        prefix: 'WRONGTYPE',
      });
      expect((err as Error).message).toContain(key);
      await expect(sink.write([{ w: 'later', f: 'b' }])).rejects.toBe(err);
      await expect(sink.close()).rejects.toBe(err);
      // The list is untouched.
      expect(await cli(await cluster.ownerOf(key), 'lrange', key, '0', '-1')).toBe('not a hash');
    });

    it('sink cluster — RPUSH on a string key surfaces WRONGTYPE as SinkWriteError, never success', async () => {
      const { id, key } = await keyAwayFromSeed('ev:');
      await cli(await cluster.ownerOf(key), 'set', key, 'a string');
      const sink = await createSink(
        {
          sql: ddl(
            'wrong_list',
            'k TEXT, v TEXT',
            `'sink.type' = 'list', 'sink.list_prefix' = 'ev:', 'sink.list_key_column' = 'k', 'sink.operation' = 'Append', 'sink.max_length' = '5'`,
          ),
        },
        { logger: silent },
      );
      await sink.write([
        { k: 'fine', v: '1' },
        { k: id, v: '2' },
      ]);
      const err = await sink.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkWriteError);
      expect(err).toMatchObject({ command: 'RPUSH', key, prefix: 'WRONGTYPE' });
      await expect(sink.flush()).rejects.toBe(err);
      await sink.close().catch(() => {});
      expect(await cli(await cluster.ownerOf(key), 'get', key)).toBe('a string');
    });
  });
});
