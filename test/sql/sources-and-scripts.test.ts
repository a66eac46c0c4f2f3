/**
 * Source tables of scripts (schema-driven generator, JSON lines, ingest) and the job specs
 * scripts compile to: wiring, address override, JSON round trip; and queries over untyped
 * sources, whose values are converted to the declared column types.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob, startJob } from '../../src/job/job.js';
import { columnRowFunction } from '../../src/plan/column-generator.js';
import { type JobSpec, parseJobSpec } from '../../src/plan/job-spec.js';
import { tableOf } from '../../src/sink/create-sink.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { planQueries } from '../../src/sql/job-queries.js';
import { asMap } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { SEED_EXAMPLES } from './seed-examples-sql.js';
import { scriptError } from './support.js';

const silent = pino({ level: 'silent' });

describe('sql scripts — the job spec they compile to', () => {
  const gen = `CREATE TABLE game_scores (game_id TEXT, player_id TEXT, score BIGINT, timestamp TIMESTAMP) WITH (
    connector = 'generator', partitions = '2', rows_per_partition = '50', seed = '4',
    'fields.game_id.values' = 'chess,go', 'fields.score.min' = '10', 'fields.score.max' = '20',
    'fields.timestamp.step_ms' = '60000', 'fields.player_id.null_rate' = '0.5'
);
`;

  it('sources, wiring by INSERT, queries with their positions, sinks with the address override', async () => {
    const sql = gen + SEED_EXAMPLES.leaderboard;
    const spec = await compileSqlScript(sql, {
      name: 'lb',
      shards: 3,
      redisAddress: 'redis://10.0.0.5:7000',
    });
    expect(spec.sources).toEqual([
      {
        type: 'generator',
        name: 'game_scores',
        partitions: 2,
        rowsPerPartition: 50,
        seed: 4,
        columns: [
          { name: 'game_id', type: 'TEXT', values: ['chess', 'go'] },
          { name: 'player_id', type: 'TEXT', nullRate: 0.5 },
          { name: 'score', type: 'BIGINT', min: 10, max: 20 },
          { name: 'timestamp', type: 'TIMESTAMP', stepMs: 60000 },
        ],
      },
    ]);
    expect(spec.tables).toHaveLength(1);
    const table = spec.tables[0] as {
      model: { name: string; profile: unknown };
      sources: string[];
      shards: number;
    };
    expect(table.sources).toEqual(['game_scores']);
    expect(table.shards).toBe(3);
    expect(table.model.profile).toEqual({
      name: 'leaderboard',
      connection: { kind: 'standalone', address: 'redis://10.0.0.5:7000' },
    });
    const insertAt = sql.indexOf('-- Update from game events');
    const line = sql.slice(0, insertAt).split('\n').length;
    expect(spec.queries).toHaveLength(1);
    expect(spec.queries![0].sql).toContain('ORDER BY score DESC;');
    expect(spec.queries![0].line).toBeLessThanOrEqual(line);
    // A cluster override; the JSON form of the spec parses and its queries compile again.
    const cluster = await compileSqlScript(sql, { name: 'lb', redisAddress: ['redis://a:1', 'redis://b:2'] });
    expect(
      (cluster.tables[0] as { model: { profile: { connection: unknown } } }).model.profile.connection,
    ).toEqual({
      kind: 'cluster',
      addresses: ['redis://a:1', 'redis://b:2'],
    });
    const parsed = parseJobSpec(JSON.parse(JSON.stringify({ ...spec, checkpoint: { dir: '/tmp/x' } })));
    expect(parsed.queries).toEqual(spec.queries);
    const tables = [];
    for (const t of parsed.tables)
      tables.push({ table: await tableOf(t as never), sources: t.sources ?? [] });
    const plans = await planQueries(parsed.sources, tables, parsed.queries ?? []);
    expect([...plans.get('leaderboard')!.stages.keys()]).toEqual(['game_scores']);
  });

  it('a script without INSERT keeps its wiring: every source feeds every sink, sinks as SQL', async () => {
    const legacy = `CREATE TABLE gen WITH (connector = 'generator', rows_per_partition = '5');
CREATE TABLE s (k TEXT, v BIGINT) WITH (connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k');`;
    const spec = await compileSqlScript(legacy, { name: 'l' });
    expect(spec.queries).toBeUndefined();
    expect(spec.sources).toEqual([{ type: 'generator', name: 'gen', rowsPerPartition: 5 }]);
    expect(spec.tables).toEqual([
      { sql: expect.stringMatching(/^CREATE TABLE s /), sources: ['gen'], shards: 1 },
    ]);
  });

  it('ingest and JSON-lines source tables carry their declared columns', async () => {
    const sql = `CREATE TABLE clicks (user_id TEXT NOT NULL, n INTEGER) WITH (connector = 'ingest', buffer_rows = '500');
CREATE TABLE files (user_id TEXT, n INTEGER) WITH (connector = 'jsonl', path = 'in.jsonl', type = 'source');
CREATE TABLE s (user_id TEXT, n INTEGER) WITH (connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 's:', 'sink.key_column' = 'user_id');
INSERT INTO s SELECT user_id, n FROM clicks;
INSERT INTO s SELECT user_id, n + 1 AS n FROM files WHERE n > 0;`;
    const spec = await compileSqlScript(sql, { name: 'i' });
    expect(spec.sources).toEqual([
      {
        type: 'ingest',
        name: 'clicks',
        bufferRows: 500,
        columns: [
          { name: 'user_id', type: 'TEXT', nullable: false },
          { name: 'n', type: 'INTEGER', nullable: true },
        ],
      },
      {
        type: 'jsonl',
        name: 'files',
        files: ['in.jsonl'],
        columns: [
          { name: 'user_id', type: 'TEXT', nullable: true },
          { name: 'n', type: 'INTEGER', nullable: true },
        ],
      },
    ]);
    expect(spec.tables.map((t) => t.sources)).toEqual([['clicks', 'files']]);
  });

  it('refusals — ORDER BY over ingest into an exactly-once table, two queries for one pair', async () => {
    const base = `CREATE TABLE clicks (user_id TEXT, n INTEGER) WITH (connector = 'ingest');
CREATE TABLE l (user_id TEXT, n INTEGER) WITH (connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'list', 'sink.list_prefix' = 'l:', 'sink.list_key_column' = 'user_id', 'sink.operation' = 'Append');
`;
    expect(
      (await scriptError(`${base}INSERT INTO l SELECT user_id, n FROM clicks ORDER BY n;`)).message,
    ).toMatch(
      /^ORDER BY over source 'clicks' into exactly-once table 'l' is not supported: its batches are not replayed with the same boundaries after a recovery.* \(line 4, column 54\)$/,
    );
    const twice = `${base}INSERT INTO l SELECT user_id, n FROM clicks WHERE n > 1;\nINSERT INTO l SELECT user_id, n FROM clicks;`;
    expect((await scriptError(twice)).message).toMatch(
      /^a second INSERT INTO l \.\.\. FROM clicks: one query per source and sink \(combine the conditions with OR\) \(line 4, column 57\)$/,
    );
  });
});

describe('sql sources — schema-driven generator', () => {
  it('rows are a pure function of (seed, partition, index) and honour the column options', () => {
    const columns = [
      { name: 'id', type: 'TEXT' as const, kind: 'sequence' as const, perPartition: true },
      { name: 'k', type: 'TEXT' as const, cardinality: 7 },
      { name: 'local', type: 'TEXT' as const, cardinality: 3, perPartition: true },
      { name: 'n', type: 'INTEGER' as const, min: -3, max: 3 },
      { name: 'big', type: 'BIGINT' as const, min: 2 ** 40, max: 2 ** 50 },
      { name: 'x', type: 'DOUBLE' as const, min: 1, max: 2 },
      { name: 'e', type: 'TEXT' as const, values: ['a', 'b'] },
      { name: 'b', type: 'BOOLEAN' as const },
      { name: 'at', type: 'TIMESTAMP' as const, min: '2024-06-01T00:00:00Z', stepMs: 500 },
      { name: 'j', type: 'JSON' as const, values: [{ a: 1 }, [2]] },
      { name: 'maybe', type: 'INTEGER' as const, nullRate: 0.25 },
      { name: 'seq', type: 'BIGINT' as const, kind: 'sequence' as const, min: 100 },
    ];
    const row = columnRowFunction(columns, 42);
    const again = columnRowFunction(columns, 42);
    const other = columnRowFunction(columns, 43);
    let nulls = 0;
    let differs = 0;
    const ks = new Set<unknown>();
    for (let p = 0; p < 3; p++) {
      for (let i = 0; i < 400; i++) {
        const r = row(p, i);
        expect(again(p, i)).toEqual(r);
        if (JSON.stringify(other(p, i)) !== JSON.stringify(r)) differs++;
        expect(Object.keys(r)).toEqual(columns.map((c) => c.name));
        expect(r.id).toBe(`id-${p}-${i}`);
        ks.add(r.k);
        expect(r.local).toMatch(new RegExp(`^local-${p}-[0-2]$`));
        expect(Number.isInteger(r.n) && (r.n as number) >= -3 && (r.n as number) <= 3).toBe(true);
        expect((r.big as number) >= 2 ** 40 && (r.big as number) <= 2 ** 50).toBe(true);
        expect((r.x as number) >= 1 && (r.x as number) < 2).toBe(true);
        expect(['a', 'b']).toContain(r.e);
        expect(typeof r.b).toBe('boolean');
        expect(r.at).toEqual(new Date(Date.parse('2024-06-01T00:00:00Z') + i * 500));
        expect([{ a: 1 }, [2]]).toContainEqual(r.j);
        if (r.maybe === null) nulls++;
        expect(r.seq).toBe(100 + i);
      }
    }
    expect(ks.size).toBe(7);
    expect(nulls / 1200).toBeGreaterThan(0.18);
    expect(nulls / 1200).toBeLessThan(0.32);
    expect(differs).toBeGreaterThan(1100);
  });
});

describe('sql sources — queries over untyped sources (ingest, JSON lines)', () => {
  let server: RedisServer;
  let client: RedisClient;
  let dir: string;

  beforeAll(async () => {
    server = await startRedis();
    client = await createClient(server.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-sql-sources-'));
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingest — producers push JSON-ish rows; values are converted, filtered, projected and aggregated', async () => {
    const sql = `CREATE TABLE clicks (user_id TEXT, n INTEGER, at TIMESTAMP) WITH (connector = 'ingest');
CREATE TABLE last_click (user_id TEXT, n INTEGER, hour TIMESTAMP) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'last:', 'sink.key_column' = 'user_id');
CREATE TABLE totals (user_id TEXT, clicks BIGINT, n BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'total:', 'sink.key_column' = 'user_id');
INSERT INTO last_click SELECT UPPER(user_id) AS user_id, n, DATE_TRUNC('hour', at) AS hour FROM clicks WHERE n >= 0;
CREATE TABLE everything (clicks BIGINT, users TEXT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'clicks:all');
INSERT INTO totals SELECT user_id, COUNT(*) AS clicks, SUM(n) AS n FROM clicks GROUP BY user_id;
INSERT INTO everything SELECT COUNT(*) AS clicks, CONCAT(MIN(user_id), '..', MAX(user_id)) AS users FROM clicks;`;
    const script = await compileSqlScript(sql, { name: 'clicks', redisAddress: server.url, shards: 2 });
    const spec: JobSpec = { ...script, checkpoint: { dir: join(dir, 'ingest'), intervalMs: 50 } };
    const job = startJob(spec, { logger: silent });
    const ingest = job.ingest('clicks');
    for (let attempt = 0; ; attempt++) {
      try {
        await ingest.push('probe', 0, []);
        break;
      } catch (e) {
        if (attempt > 100) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await ingest.push('p1', 1, [
      { user_id: 'ann', n: '3', at: '2024-05-01T10:15:00Z' },
      { user_id: 'bob', n: 5, at: 1714558500000 },
    ]);
    await ingest.push('p2', 1, [
      { user_id: 'ann', n: -1, at: '2024-05-01T11:59:59Z' },
      { user_id: 'ann', n: null, at: '2024-05-01T12:00:00Z' },
    ]);
    ingest.end();
    await job.done;
    expect(JSON.parse((await client.send(['GET', 'last:ANN'])) as string)).toEqual({
      user_id: 'ANN',
      n: 3,
      hour: '2024-05-01T10:00:00.000Z',
    });
    expect(JSON.parse((await client.send(['GET', 'last:BOB'])) as string)).toEqual({
      user_id: 'BOB',
      n: 5,
      hour: '2024-05-01T10:00:00.000Z',
    });
    expect(JSON.parse((await client.send(['GET', 'total:ann'])) as string)).toEqual({
      user_id: 'ann',
      clicks: 3,
      n: 2,
    });
    expect(JSON.parse((await client.send(['GET', 'total:bob'])) as string)).toEqual({
      user_id: 'bob',
      clicks: 1,
      n: 5,
    });
    // No GROUP BY: one group; a sink without a key column writes the key 'clicks:all'.
    expect(JSON.parse((await client.send(['GET', 'clicks:all'])) as string)).toEqual({
      clicks: 4,
      users: 'ann..bob',
    });
  });

  it('JSON lines — declared columns type the values; a value that does not convert fails the job with its line', async () => {
    const file = join(dir, 'stock.jsonl');
    await writeFile(
      file,
      [
        { sku: 'a', wh: 'east', qty: 2 },
        { sku: 'b', wh: 'east', qty: '7' },
        { sku: 'a', wh: 'east', qty: 1.4 },
        { sku: 'a', wh: 'west' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const sql = (
      path: string,
    ) => `CREATE TABLE moves (sku TEXT, wh TEXT, qty INTEGER) WITH (connector = 'jsonl', path = '${path}');
CREATE TABLE stock (sku TEXT, wh TEXT, qty BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'hash', 'sink.hash_key_prefix' = 'stock:', 'sink.hash_key_column' = 'wh', 'sink.hash_field_column' = 'sku');
INSERT INTO stock SELECT sku, wh, COALESCE(SUM(qty), 0) AS qty FROM moves GROUP BY sku, wh;`;
    const script = await compileSqlScript(sql(file), { name: 'moves', redisAddress: server.url });
    await runJob({ ...script, checkpoint: { dir: join(dir, 'jsonl') } }, { logger: silent });
    const east = asMap(await client.send(['HGETALL', 'stock:east']));
    expect(Object.fromEntries([...east].map(([k, v]) => [k, JSON.parse(v)]))).toEqual({
      a: { sku: 'a', wh: 'east', qty: 3 },
      b: { sku: 'b', wh: 'east', qty: 7 },
    });
    expect(JSON.parse(asMap(await client.send(['HGETALL', 'stock:west'])).get('a')!)).toEqual({
      sku: 'a',
      wh: 'west',
      qty: 0,
    });

    const bad = join(dir, 'bad.jsonl');
    await writeFile(
      bad,
      `${JSON.stringify({ sku: 'a', wh: 'x', qty: 1 })}\n${JSON.stringify({ sku: 'a', wh: 'x', qty: 'many' })}\n`,
    );
    const failing = await compileSqlScript(sql(bad), { name: 'bad', redisAddress: server.url });
    const err = await runJob(
      { ...failing, checkpoint: { dir: join(dir, 'bad') }, restart: { maxRestarts: 0 } },
      { logger: silent },
    ).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ERR_RESTART_LIMIT' });
    const cause = (err as Error).cause as Error & { code: string };
    expect(cause.code).toBe('ERR_SQL_EVAL');
    expect(cause.message).toMatch(
      /^source column 'qty': cannot convert 'many' to INTEGER \(line 5, column \d+\); row 2 of partition .*bad\.jsonl$/,
    );
  });
});
