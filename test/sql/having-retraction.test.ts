/**
 * GROUP BY with HAVING over a changelog, without Redis: random creates, updates (moving rows
 * between groups) and deletes, cut into random batches, go through the query's stage and its
 * aggregator; the kinds it emits, applied as an upsert table applies them (`+I`/`+U` set the
 * key, `-D` removes it), must leave exactly the query's result over the final table. The same
 * holds when the aggregator is restored from a snapshot halfway and the rest is fed to it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowBatch, ShardOperatorFactory } from '../../src/plan/operators.js';
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import { tableOf } from '../../src/sink/create-sink.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { planQueries } from '../../src/sql/job-queries.js';

const SQL = `
CREATE TABLE src (id BIGINT, g TEXT, v BIGINT) WITH (connector = 'jsonl', path = '/x.jsonl', 'source.format' = 'debezium');
CREATE TABLE out (g TEXT, n BIGINT, total BIGINT, mean DOUBLE) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'g:', 'sink.key_column' = 'g', 'sink.mode' = 'upsert');
INSERT INTO out SELECT g, COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean
FROM src WHERE v <> 0 GROUP BY g HAVING COUNT(*) >= 2 AND SUM(v) > 0;`;

type Row = { id: number; g: string; v: number };
type Out = { g: string; n: number; total: number; mean: number };

async function plan() {
  const spec = await compileSqlScript(SQL, { name: 't' });
  const { sources: _s, shards: _n, ...front } = spec.tables[0];
  const table = await tableOf(front as never);
  const queries = await planQueries(spec.sources, [{ table, sources: ['src'] }], spec.queries ?? []);
  const q = queries.get('out')!;
  return { stage: q.stages.get('src')!, factory: q.aggregate!.factory as ShardOperatorFactory };
}

/** The changelog of random operations over ids 1..8 in groups a..d, and the final table. */
const operations = fc.array(
  fc.record({
    id: fc.integer({ min: 1, max: 8 }),
    g: fc.constantFrom('a', 'b', 'c', 'd'),
    v: fc.integer({ min: -3, max: 9 }),
    del: fc.boolean(),
  }),
  { maxLength: 80 },
);

function changelog(ops: Array<{ id: number; g: string; v: number; del: boolean }>) {
  const table = new Map<number, Row>();
  const rows: Row[] = [];
  const kinds: number[] = [];
  for (const { id, g, v, del } of ops) {
    const before = table.get(id);
    if (before === undefined) {
      if (del) continue;
      table.set(id, { id, g, v });
      rows.push({ id, g, v });
      kinds.push(ROW_INSERT);
    } else if (del) {
      table.delete(id);
      rows.push(before);
      kinds.push(ROW_DELETE);
    } else {
      table.set(id, { id, g, v });
      rows.push(before, { id, g, v });
      kinds.push(ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER);
    }
  }
  return { rows, kinds, table };
}

function expected(table: Map<number, Row>): Map<string, Out> {
  const groups = new Map<string, Row[]>();
  for (const r of table.values()) if (r.v !== 0) groups.set(r.g, [...(groups.get(r.g) ?? []), r]);
  const out = new Map<string, Out>();
  for (const [g, rs] of groups) {
    const total = rs.reduce((s, r) => s + r.v, 0);
    if (rs.length >= 2 && total > 0) out.set(g, { g, n: rs.length, total, mean: total / rs.length });
  }
  return out;
}

/** Applies emitted rows as an upsert table does. */
function apply(redis: Map<string, Out>, b: RowBatch | null): void {
  if (b === null) return;
  expect(b.kinds).toBeDefined();
  b.rows.forEach((r, i) => {
    const o = r as Out;
    if (b.kinds![i] === ROW_DELETE) {
      expect(redis.has(o.g)).toBe(true); // only what was written is deleted
      redis.delete(o.g);
    } else {
      expect(redis.has(o.g)).toBe(b.kinds![i] === ROW_UPDATE_AFTER);
      redis.set(o.g, o);
    }
  });
}

describe('sql HAVING over a changelog — emitted kinds', () => {
  it('property — the upsert table ends as the query over the final table, through a restore', async () => {
    const { stage, factory } = await plan();
    const range = [0, 16383] as const;
    await fc.assert(
      fc.asyncProperty(
        operations,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        async (ops, cuts, restoreAt) => {
          const { rows, kinds, table } = changelog(ops);
          const redis = new Map<string, Out>();
          let agg = factory.create(range, []);
          const batches: Array<[number, number]> = [];
          for (let at = 0, c = 0; at < rows.length; c++) {
            const to = Math.min(rows.length, at + cuts[c % cuts.length]);
            batches.push([at, to]);
            at = to;
          }
          const restoreBatch = batches.length === 0 ? 0 : restoreAt % batches.length;
          for (let k = 0; k < batches.length; k++) {
            if (k === restoreBatch) agg = factory.create(range, [JSON.parse(JSON.stringify(agg.snapshot()))]);
            const [from, to] = batches[k];
            const offsets = Array.from({ length: to - from }, (_, i) => from + i + 1);
            const staged = (await stage.apply(
              rows.slice(from, to),
              'p',
              offsets,
              Uint8Array.from(kinds.slice(from, to)),
            )) as RowBatch;
            apply(redis, agg.apply(staged.rows, staged.partition, staged.offsets, staged.kinds));
          }
          const want = expected(table);
          expect([...redis.keys()].sort()).toEqual([...want.keys()].sort());
          for (const [g, o] of want) {
            const got = redis.get(g)!;
            expect({ ...got, mean: 0 }).toEqual({ ...o, mean: 0 });
            expect(got.mean).toBeCloseTo(o.mean, 9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('MIN over a source not known as a changelog fails at its first retraction, naming the row', async () => {
    const spec = await compileSqlScript(
      `CREATE TABLE src (g TEXT, v BIGINT) WITH (connector = 'ingest');
       CREATE TABLE out (g TEXT, low BIGINT) WITH (connector = 'redis', type = 'sink', address = 'redis://h:1',
         'sink.type' = 'string', 'sink.key_prefix' = 'g:', 'sink.key_column' = 'g', 'sink.mode' = 'upsert');
       INSERT INTO out SELECT g, MIN(v) AS low FROM src GROUP BY g;`,
      { name: 't' },
    );
    const { sources: _s, shards: _n, ...front } = spec.tables[0];
    const table = await tableOf(front as never);
    const q = (await planQueries(spec.sources, [{ table, sources: ['src'] }], spec.queries ?? [])).get(
      'out',
    )!;
    const agg = q.aggregate!.factory.create([0, 16383], []);
    const staged = (await q.stages
      .get('src')!
      .apply([{ g: 'a', v: 1 }], 'p', [7], Uint8Array.from([ROW_DELETE]))) as RowBatch;
    expect(() => agg.apply(staged.rows, staged.partition, staged.offsets, staged.kinds)).toThrow(
      /MIN\(BIGINT\) cannot take back a retracted row .*; row 7 of partition p/,
    );
  });
});
