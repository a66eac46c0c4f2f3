/**
 * Changelog JSON-lines sources: what each Debezium envelope and op-column row becomes, bad
 * entries under both error policies, the SQL options, and Debezium envelopes materialised into
 * hashes on a 6-node cluster (3 masters, 3 replicas), deletes and tombstones included.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLinesSource } from '../../src/dataflow/sources/jsonl.js';
import type { ReadBatch } from '../../src/dataflow/sources/source.js';
import { runJob } from '../../src/job/job.js';
import type { ChangelogFormat } from '../../src/plan/changelog-format.js';
import { type JobSpec, parseJobSpec } from '../../src/plan/job-spec.js';
import { createCluster } from '../../src/resp/cluster/cluster-client.js';
import { ROW_KIND_NAMES } from '../../src/sink/changelog.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { scriptError } from '../sql/support.js';
import { prng } from '../support/crash-run.js';
import { asMap } from '../support/read-back.js';
import { type RedisCluster, startCluster } from '../support/redis.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-cdc-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
/** Reads a file of `lines` through a changelog source: rows, kinds by name, offsets. */
async function read(lines: unknown[], format: ChangelogFormat) {
  const file = join(work, `f${n++}.jsonl`);
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  const [reader] = await new JsonLinesSource('s', [file], format).open({});
  const out: { rows: unknown[]; kinds: string[]; offsets: number[] } = { rows: [], kinds: [], offsets: [] };
  try {
    for (;;) {
      const b: ReadBatch | null = await reader.read(1000, new AbortController().signal);
      if (b === null) break;
      out.rows.push(...b.rows);
      out.kinds.push(...[...(b.kinds ?? [])].map((k) => ROW_KIND_NAMES[k]));
      out.offsets.push(...b.offsets);
    }
  } finally {
    await reader.close();
  }
  return out;
}

const a = { id: 1, name: 'ann' };
const b = { id: 1, name: 'bob' };

describe('cdc jsonl — envelopes and op columns', () => {
  it('Debezium: c/r insert, u retracts before and writes after, d deletes before; payload-wrapped too', async () => {
    const got = await read(
      [
        { before: null, after: a, op: 'r' },
        { schema: { type: 'struct' }, payload: { before: a, after: b, op: 'u' } },
        { before: b, after: null, op: 'd' },
        { key: { id: 1 }, value: null },
        { before: null, after: a, op: 'c' },
      ],
      { format: 'debezium' },
    );
    expect(got.rows).toEqual([a, a, b, b, a]);
    expect(got.kinds).toEqual(['+I', '-U', '+U', '-D', '+I']);
    // An update's two rows have offsets of their own; the tombstone (line 4) gave no row.
    expect(got.offsets).toEqual([2, 3, 4, 6, 10]);
  });

  it("Debezium with 'upsert' updates: an after image alone is an update, a tombstone deletes its key", async () => {
    const got = await read(
      [
        { before: null, after: b, op: 'u' },
        { key: { payload: { id: 1 } }, value: { before: null, after: null, op: 'd' } },
        { key: { id: 2 }, value: null },
      ],
      { format: 'debezium', updates: 'upsert' },
    );
    expect(got.rows).toEqual([b, { id: 1 }, { id: 2 }]);
    expect(got.kinds).toEqual(['+U', '-D', '-D']);
  });

  it('op column: c/r/u/d and the short names; the column leaves the row', async () => {
    const got = await read(
      [
        { op: 'c', ...a },
        { op: '-U', ...a },
        { op: '+U', ...b },
        { op: 'u', ...b },
        { op: 'd', id: 1 },
      ],
      { format: 'json', opColumn: 'op' },
    );
    expect(got.rows).toEqual([a, a, b, b, { id: 1 }]);
    expect(got.kinds).toEqual(['+I', '-U', '+U', '+U', '-D']);
  });

  it("bad entries fail the read with file, line and reason; 'skip' passes over them", async () => {
    const cases: Array<[unknown, ChangelogFormat, RegExp]> = [
      [
        { before: a, after: b, op: 'x' },
        { format: 'debezium' },
        /:2: unknown operation "x" in 'op' \(known: c, r, u, d\)/,
      ],
      [
        { before: null, after: null, op: 'd' },
        { format: 'debezium' },
        /:2: op 'd' without a 'before' row or a key/,
      ],
      [
        { key: null, value: null },
        { format: 'debezium', updates: 'upsert' },
        /:2: a tombstone \(null value\) without a key/,
      ],
      [
        { before: null, after: b, op: 'u' },
        { format: 'debezium' },
        /:2: op 'u' without a 'before' row: this source retracts old rows \('source.updates' = 'retract'\)/,
      ],
      [{ name: 'x' }, { format: 'json', opColumn: 'op' }, /:2: no operation in column 'op'/],
      [
        { op: 'upsert', id: 1 },
        { format: 'json', opColumn: 'op' },
        /:2: unknown operation "upsert" in column 'op'/,
      ],
    ];
    const good = (f: ChangelogFormat) =>
      f.format === 'json' ? { op: 'c', ...a } : { before: null, after: a, op: 'c' };
    for (const [bad, format, reason] of cases) {
      await expect(read([good(format), bad], format)).rejects.toMatchObject({
        code: 'ERR_SOURCE_FORMAT',
        message: expect.stringMatching(reason),
      });
      const skipped = await read([good(format), bad, good(format)], { ...format, onError: 'skip' });
      expect(skipped.kinds).toEqual(['+I', '+I']);
      expect(skipped.offsets).toEqual([2, 6]);
    }
  });

  it('SQL options: a Debezium source takes no op column; values are checked', async () => {
    const src = (opts: string, mode = 'upsert') => `
      CREATE TABLE cdc (id BIGINT) WITH (connector = 'jsonl', path = '/x.jsonl', ${opts});
      CREATE TABLE out (id BIGINT) WITH (connector = 'redis', type = 'sink', address = 'redis://h:6379',
        'sink.type' = 'string', 'sink.key_prefix' = 'k:', 'sink.key_column' = 'id', 'sink.mode' = '${mode}');
      INSERT INTO out SELECT id FROM cdc;`;
    expect((await scriptError(src("'source.format' = 'debezium'", 'append'))).message).toMatch(
      /source 'cdc' is a changelog \(its rows update and delete\), and table 'out' is an 'append' table/,
    );
    expect(
      (await scriptError(src("'source.format' = 'debezium', 'source.op_column' = 'op'"))).message,
    ).toMatch(/table 'cdc': option 'source.op_column' is for 'source.format' = 'json'/);
    expect((await scriptError(src("'source.format' = 'avro'"))).message).toMatch(
      /option 'source.format' must be one of 'json', 'debezium', got 'avro'/,
    );
    expect((await scriptError(src("'source.on_error' = 'skip'"))).message).toMatch(
      /option 'source.op_column' is needed for a changelog of plain JSON rows/,
    );
    const grouped = (opts: string, agg: string) => `
      CREATE TABLE cdc (id BIGINT, g TEXT) WITH (connector = 'jsonl', path = '/x.jsonl', ${opts});
      CREATE TABLE out (g TEXT, n BIGINT) WITH (connector = 'redis', type = 'sink', address = 'redis://h:6379',
        'sink.type' = 'string', 'sink.key_prefix' = 'k:', 'sink.key_column' = 'g', 'sink.mode' = 'upsert');
      INSERT INTO out SELECT g, ${agg} AS n FROM cdc GROUP BY g;`;
    expect(
      (await scriptError(grouped("'source.format' = 'debezium', 'source.updates' = 'upsert'", 'COUNT(*)')))
        .message,
    ).toMatch(/GROUP BY over source 'cdc' is not supported: its updates carry the new row alone/);
    expect((await scriptError(grouped("'source.format' = 'debezium'", 'MAX(id)'))).message).toMatch(
      /MAX over changelog source 'cdc' is not supported: its state keeps one value per group/,
    );
    await compileSqlScript(grouped("'source.format' = 'debezium'", 'SUM(id)'), { name: 't' });
    const spec = await compileSqlScript(src("'source.format' = 'debezium', 'source.updates' = 'upsert'"), {
      name: 't',
    });
    expect(spec.sources[0]).toMatchObject({ changelog: { format: 'debezium', updates: 'upsert' } });
  });
});

describe('cdc jsonl — the job spec form', () => {
  const spec = (changelog: unknown) => ({
    name: 'j',
    sources: [{ type: 'jsonl', name: 'cdc', files: ['/x.jsonl'], changelog }],
    tables: [{ model: { name: 'out' }, sources: ['cdc'] }],
    checkpoint: { dir: '/tmp/x' },
  });

  it('changelog takes format, opColumn, updates and onError, each checked', () => {
    expect(parseJobSpec(spec({ format: 'json', opColumn: 'op', onError: 'skip' })).sources[0]).toMatchObject({
      changelog: { format: 'json', opColumn: 'op', onError: 'skip' },
    });
    expect(() => parseJobSpec(spec({ format: 'avro' }))).toThrow(
      /sources\[0\]\.changelog\.format: must be one of 'debezium', 'json', got "avro"/,
    );
    expect(() => parseJobSpec(spec({ format: 'json' }))).toThrow(
      /changelog\.opColumn: is required with format 'json'/,
    );
    expect(() => parseJobSpec(spec({ format: 'debezium', opColumn: 'op' }))).toThrow(
      /changelog\.opColumn: is for format 'json'/,
    );
    expect(() => parseJobSpec(spec({ format: 'debezium', updates: 'merge' }))).toThrow(
      /changelog\.updates: must be one of/,
    );
    expect(() => parseJobSpec(spec({ format: 'debezium', on_error: 'skip' }))).toThrow(
      /changelog\.on_error: is not a known field/,
    );
  });
});

describe('cdc jsonl — Debezium envelopes into hashes on a 6-node cluster', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('each user is a hash of its columns; updates rewrite it, deletes and tombstones remove it', async () => {
    const random = prng(5);
    const cities = ['ams', 'ber', 'osl'];
    const alive = new Map<number, { id: number; name: string; city: string }>();
    const lines: unknown[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = 1 + Math.floor(random() * 300);
      const before = alive.get(id);
      const after = { id, name: `u${id}-${i}`, city: cities[i % 3] };
      if (before === undefined) {
        alive.set(id, after);
        lines.push({ before: null, after, op: 'c' });
      } else if (random() < 0.6) {
        alive.set(id, after);
        lines.push({ before, after, op: 'u' });
      } else {
        alive.delete(id);
        // A delete as Debezium writes it, then its tombstone; or a tombstone alone.
        if (random() < 0.5) lines.push({ key: { id }, value: { before, after: null, op: 'd' } });
        lines.push({ key: { id }, value: null });
      }
    }
    const file = join(work, 'users.jsonl');
    await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const urls = cluster.addresses.map((x) => `redis://${x}`);
    const script = `
      CREATE TABLE cdc (id BIGINT, name TEXT, city TEXT) WITH (
        connector = 'jsonl', path = '${file}', 'source.format' = 'debezium', 'source.updates' = 'upsert');
      CREATE TABLE users (id BIGINT, name TEXT, city TEXT) WITH (
        connector = 'redis', type = 'sink', 'cluster.addresses' = '${urls.join(',')}',
        'sink.type' = 'hash', 'sink.hash_key_prefix' = 'user:', 'sink.hash_key_column' = 'id',
        'sink.hash_layout' = 'columns', 'sink.mode' = 'upsert');
      INSERT INTO users SELECT id, name, city FROM cdc;`;
    const compiled = await compileSqlScript(script, { name: 'cdc_users', shards: 3 });
    const spec: JobSpec = {
      ...compiled,
      batchSize: 200,
      checkpoint: { dir: join(work, 'cdc_users'), intervalMs: 100 },
    };
    await runJob(spec, { logger: pino({ level: 'silent' }) });

    const redis = await createCluster({ addresses: urls });
    try {
      expect(alive.size).toBeGreaterThan(50);
      for (let id = 1; id <= 300; id++) {
        const got = asMap(await redis.send(['HGETALL', `user:${id}`]));
        const want = alive.get(id);
        if (want === undefined) expect(got.size).toBe(0);
        else expect(Object.fromEntries(got)).toEqual({ name: want.name, city: want.city });
      }
    } finally {
      await redis.close();
    }
  });
});
