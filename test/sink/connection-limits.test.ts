import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../../src/resp/client.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { createPool } from '../../src/resp/pool.js';
import type { Reply } from '../../src/resp/reply.js';
import type { ConnectionProfile } from '../../src/schema/connection-profile.js';
import {
  defineTable,
  loadSqlParser,
  parseCreateTable,
  parseTable,
  SinkConfigError,
} from '../../src/sink/config/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import { cli, type RedisCluster, type RedisServer, startCluster, startRedis } from '../support/redis.js';

let server: RedisServer;
beforeAll(async () => {
  await loadSqlParser();
  server = await startRedis();
});
afterAll(async () => {
  server?.kill('SIGCONT');
  await server?.stop();
});

const PROFILE: ConnectionProfile = {
  name: 'p',
  connection: { kind: 'standalone', address: 'redis://127.0.0.1:6379' },
};
const WITH = `connector = 'redis', address = 'redis://127.0.0.1:6379', type = 'sink', 'sink.key_prefix' = 'u:'`;

describe('sink config — connection limits', () => {
  test('sink config — connections per node and pipelines in flight read alike in SQL, JSON and TypeScript', async () => {
    const sql = await parseCreateTable(
      `CREATE TABLE t (k TEXT) WITH (${WITH}, 'sink.connections_per_node' = '2', 'sink.max_pipelines_in_flight' = 3)`,
    );
    const json = parseTable(
      {
        name: 't',
        connector: 'redis',
        config: {
          connectorType: { target: { keyPrefix: 'u:' } },
          sink: { connectionsPerNode: 2, maxPipelinesInFlight: 3 },
        },
        schema: { fields: [{ name: 'k', data_type: 'TEXT' }] },
      },
      { ...PROFILE, name: 't' },
    );
    const ts = defineTable({
      name: 't',
      profile: { ...PROFILE, name: 't' },
      target: { type: 'string', keyPrefix: 'u:' },
      schema: [{ name: 'k', type: 'TEXT' }],
      connectionsPerNode: 2,
      maxPipelinesInFlight: 3,
    });
    expect(sql).toMatchObject({ connectionsPerNode: 2, maxPipelinesInFlight: 3 });
    expect(json).toStrictEqual(sql);
    expect(ts).toStrictEqual(sql);
  });

  test.each([
    [`'sink.connections_per_node' = '0'`, 'sink.connections_per_node', 'positive integer'],
    [`'sink.connections_per_node' = '1000'`, 'sink.connections_per_node', 'must be at most 64'],
    [`'sink.max_pipelines_in_flight' = 'many'`, 'sink.max_pipelines_in_flight', 'positive integer'],
    [
      `'sink.connection_per_node' = '2'`,
      'sink.connection_per_node',
      "did you mean 'sink.connections_per_node'?",
    ],
    [
      `'sink.connections_per_node' = '2', 'sink.delivery' = 'exactly_once'`,
      'sink.connections_per_node',
      "must be 1 when 'sink.delivery' is 'exactly_once'",
    ],
  ])('sink config — %s is refused', async (options, option, says) => {
    const e = await parseCreateTable(`CREATE TABLE t (k TEXT) WITH (${WITH}, ${options})`).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SinkConfigError);
    expect((e as SinkConfigError).option).toBe(option);
    expect((e as SinkConfigError).message).toContain(says);
  });

  test('sink config — a list (exactly once by default) with 2 connections per node says how to get them', async () => {
    const e = await parseCreateTable(
      `CREATE TABLE t (k TEXT) WITH (connector = 'redis', address = 'redis://127.0.0.1:6379', type = 'sink',
        'sink.list_prefix' = 'l:', 'sink.operation' = 'Append', 'sink.connections_per_node' = '2')`,
    ).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SinkConfigError);
    expect((e as SinkConfigError).message).toContain(
      "is 'exactly_once' (the default for a List target): fenced calls keep their order over one connection per node; 'at_least_once' allows more",
    );
  });
});

describe('sink — connection limits', () => {
  test('sink — 2 connections per node open 2 connections, and each list keeps its rows in order', async () => {
    const admin = await createClient(server.url);
    const before = String(await admin.send(['CLIENT', 'LIST']))
      .trim()
      .split('\n').length;
    const sink = await createSink({
      sql: `CREATE TABLE ordered (k TEXT, n BIGINT) WITH (connector = 'redis', address = '${server.url}',
        type = 'sink', 'sink.list_prefix' = 'ord:', 'sink.list_key_column' = 'k', 'sink.operation' = 'Append',
        'sink.delivery' = 'at_least_once', 'sink.batch_size' = '100', 'sink.connections_per_node' = '2',
        'sink.max_pipelines_in_flight' = '2', format = 'raw')`,
    });
    const during = String(await admin.send(['CLIENT', 'LIST']))
      .trim()
      .split('\n').length;
    expect(during - before).toBe(2);
    const keys = 16;
    const total = 20_000;
    for (let start = 0; start < total; start += 500) {
      const rows = [];
      for (let n = start; n < start + 500; n++) rows.push({ k: `k${n % keys}`, n });
      await sink.write(rows);
    }
    await sink.close();
    const pipeline: (string | number)[][] = [];
    for (let k = 0; k < keys; k++) pipeline.push(['LRANGE', `ord:k${k}`, 0, -1]);
    const lists = (await admin.pipeline(pipeline)) as string[][];
    // The keys' slots fall on both connections (slot % 2), so both carried rows; each key one.
    expect(new Set(Array.from({ length: keys }, (_, k) => keySlot(`ord:k${k}`) % 2)).size).toBe(2);
    for (let k = 0; k < keys; k++) {
      const expected = Array.from({ length: total / keys }, (_, i) => String(k + i * keys));
      expect(lists[k]).toEqual(expected);
    }
    await admin.close();
  });

  test('sink — a pool sends at most maxPipelinesInFlight calls per connection; the rest wait, in order', async () => {
    const pool = createPool([await createClient(server.url)], { maxPipelinesInFlight: 2 });
    server.kill('SIGSTOP');
    let calls: Promise<Reply[]>[];
    try {
      calls = [1, 2, 3, 4, 5].map((i) => pool.pipeline([['RPUSH', 'pool:order', i]]));
      // Redis is stopped: two calls await replies, three wait in the pool.
      expect(pool.load).toEqual([{ inFlight: 2, queued: 3 }]);
    } finally {
      server.kill('SIGCONT');
    }
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r[0])).toEqual([1, 2, 3, 4, 5]);
    expect(pool.load).toEqual([{ inFlight: 0, queued: 0 }]);
    expect(await pool.send(['LRANGE', 'pool:order', 0, -1])).toEqual(['1', '2', '3', '4', '5']);
    await pool.close();
  });
});

describe('pool — replies and WAIT over several connections', () => {
  test('pool — a pipeline split over 2 connections answers in call order, error replies in place', async () => {
    const pool = createPool([await createClient(server.url), await createClient(server.url)]);
    const keys = Array.from({ length: 8 }, (_, i) => `pool:r${i}`);
    expect(new Set(keys.map((k) => keySlot(k) % 2)).size).toBe(2);
    await pool.pipeline(keys.map((k) => ['DEL', k]));
    const replies = await pool.pipeline([
      ...keys.map((k, i) => ['SET', k, String(i)]),
      ['INCR', keys[0]],
      ['LPUSH', keys[1], 'x'],
      ...keys.map((k) => ['GET', k]),
    ]);
    expect(replies.slice(0, 8)).toEqual(keys.map(() => 'OK'));
    expect(replies[8]).toBe(1);
    expect(replies[9]).toBeInstanceOf(Error);
    expect(replies.slice(10)).toEqual(['1', ...keys.slice(1).map((_, i) => String(i + 1))]);
    await pool.close();
  });

  test('pool — WAIT runs on every connection and answers once per master', async () => {
    const pool = createPool([await createClient(server.url), await createClient(server.url)]);
    await pool.send(['CONFIG', 'RESETSTAT']);
    expect(await pool.waitReplicas(0, 100, [0, 16383])).toEqual([{ node: 'standalone', reply: 0 }]);
    const stats = String(await pool.send(['INFO', 'commandstats']));
    expect(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1]).toBe('2');
    await pool.close();
  });
});

describe('sink — connection limits on a cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Client connections of a node, redis-cli's own left out. */
  const clients = async (node: RedisServer) =>
    (await cli(node, 'CLIENT', 'LIST')).split('\n').filter((l) => !l.includes('cmd=client|list')).length;

  test('sink — 2 connections per node on a cluster: 2 to every master, and each list keeps its rows in order', async () => {
    const before = await Promise.all(cluster.nodes.map(clients));
    const addresses = cluster.addresses.map((a) => `redis://${a}`).join(',');
    const sink = await createSink({
      sql: `CREATE TABLE ordered (k TEXT, n BIGINT) WITH (connector = 'redis', 'cluster.addresses' = '${addresses}',
        type = 'sink', 'sink.list_prefix' = 'ord:', 'sink.list_key_column' = 'k', 'sink.operation' = 'Append',
        'sink.delivery' = 'at_least_once', 'sink.batch_size' = '100', 'sink.connections_per_node' = '2', format = 'raw')`,
    });
    const keys = 32;
    const total = 9_600;
    for (let start = 0; start < total; start += 480) {
      const rows = [];
      for (let n = start; n < start + 480; n++) rows.push({ k: `k${n % keys}`, n });
      await sink.write(rows);
    }
    await sink.flush();
    const during = await Promise.all(cluster.nodes.map(clients));
    expect(during.map((n, i) => n - before[i])).toEqual(cluster.nodes.map(() => 2));
    await sink.close();
    for (let k = 0; k < keys; k++) {
      // -c: redis-cli follows the MOVED to the key's node.
      const stored = (await cli(cluster.nodes[0], '-c', 'LRANGE', `ord:k${k}`, '0', '-1')).split('\n');
      expect(stored).toEqual(Array.from({ length: total / keys }, (_, i) => String(k + i * keys)));
    }
  });
});
