/**
 * ORDER BY over a stream: each batch (one read of one source partition, after WHERE) is sorted
 * stably, and the offsets stay where they were — so an exactly-once list still sees offsets
 * increase per (key, partition). The crash test SIGKILLs a job halfway through a barrier flush
 * and checks that after the restart every row is in its list exactly once, in sorted-batch order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
import type { RowBatch } from '../../src/plan/operators.js';
import { comparatorOf } from '../../src/schema/values.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { type SortKey, sortBatch } from '../../src/sql/order-by.js';
import { runUntilFault } from '../support/crash-run.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { generatedRows } from './support.js';

type Row = Record<string, unknown>;

function key(column: string, descending: boolean, nullsFirst = descending): SortKey {
  return {
    value: (_s, out) => (out as Row)[column],
    compare: comparatorOf('BIGINT'),
    descending,
    nullsFirst,
  };
}

describe('sql ORDER BY — sorting a batch', () => {
  it('rows are permuted, offsets keep their places', () => {
    const rows = [5, 9, 7, 9].map((score, i) => ({ score, i }));
    const batch: RowBatch = { rows: [...rows], partition: 'p', offsets: [10, 11, 12, 13] };
    sortBatch([key('score', true)], batch, batch.rows);
    expect(batch.rows.map((r) => (r as Row).i)).toEqual([1, 3, 2, 0]); // ties in input order
    expect(batch.offsets).toEqual([10, 11, 12, 13]);
  });

  it('NULLs sort last ascending and first descending, unless told otherwise', () => {
    const rows = (): Row[] => [{ v: 2 }, { v: null }, { v: 1 }];
    const sorted = (k: SortKey) => {
      const b: RowBatch = { rows: rows(), partition: 'p', offsets: [1, 2, 3] };
      sortBatch([k], b, b.rows);
      return b.rows.map((r) => (r as Row).v);
    };
    expect(sorted(key('v', false))).toEqual([1, 2, null]);
    expect(sorted(key('v', true))).toEqual([null, 2, 1]);
    expect(sorted(key('v', false, true))).toEqual([null, 1, 2]);
    expect(sorted(key('v', true, false))).toEqual([2, 1, null]);
  });

  it('property — per partition, rows come out sorted (stably), offsets unchanged in every slot', () => {
    const entry = fc.record({
      part: fc.constantFrom('a', 'b', 'c'),
      v: fc.option(fc.integer({ min: 0, max: 5 })),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.boolean(), (entries, descending) => {
        const rows: Row[] = entries.map((e, i) => ({ ...e, i }));
        const offsets: number[] = [];
        const next: Record<string, number> = {};
        for (const r of rows) offsets.push((next[r.part as string] = (next[r.part as string] ?? 100) + 1));
        const batch: RowBatch = {
          rows: [...rows],
          partition: rows.map((r) => r.part as string),
          offsets: [...offsets],
        };
        sortBatch([key('v', descending)], batch, batch.rows);
        expect(batch.offsets).toEqual(offsets);
        expect(batch.partition).toEqual(rows.map((r) => r.part));
        for (const part of ['a', 'b', 'c']) {
          const got = (batch.rows as Row[]).filter((r) => r.part === part);
          const want = rows
            .filter((r) => r.part === part)
            .sort((x, y) => {
              const [a, b] = [x.v as number | null, y.v as number | null];
              if (a === b) return 0;
              if (a === null) return descending ? -1 : 1;
              if (b === null) return descending ? 1 : -1;
              return descending ? b - a : a - b;
            });
          expect(got).toEqual(want);
        }
      }),
    );
  });
});

const SCRIPT = `
CREATE TABLE game_scores (id TEXT, game_id TEXT, player_id TEXT, score BIGINT) WITH (
    connector = 'generator', partitions = '2', rows_per_partition = '8000', seed = '9', rate = '5000',
    'fields.id.kind' = 'sequence', 'fields.id.per_partition' = 'true',
    'fields.game_id.cardinality' = '3',
    'fields.player_id.cardinality' = '500',
    'fields.score.min' = '0', 'fields.score.max' = '5000'
);
CREATE TABLE ranked (id TEXT, game_id TEXT, player_id TEXT, score BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'list', 'sink.list_prefix' = 'ranked:', 'sink.list_key_column' = 'game_id',
    'sink.operation' = 'Prepend'
);
INSERT INTO ranked
SELECT id, game_id, player_id, score FROM game_scores
WHERE score > 1000
ORDER BY score DESC, player_id;
`;

// One read: batchSize rows (a paced generator reads at most rate/50 = 100 rows at a time anyway).
const BATCH = 100;
let work: string;
let server: RedisServer;
let client: RedisClient;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-sql-orderby-'));
  [server] = await Promise.all([startRedis(), buildCli()]);
  client = await createClient(server.url);
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('sql ORDER BY — exactly-once lists across a crash', () => {
  it('a job SIGKILLed halfway through a flush writes every row once, each batch in ORDER BY order', async () => {
    const script = await compileSqlScript(SCRIPT, { name: 'ordered', redisAddress: server.url, shards: 2 });
    const spec: JobSpec = {
      ...script,
      batchSize: BATCH,
      checkpoint: { dir: join(work, 'cp'), intervalMs: 150 },
    };
    const file = join(work, 'ordered.json');
    await writeFile(file, JSON.stringify(spec));

    // 2 shards: inside the 3rd barrier, or the 2nd when a slow machine fits fewer into the run.
    // A barrier after the first means a checkpoint was recorded before the crash.
    const { job: a } = await runUntilFault(file, ['mid-flush:5', 'mid-flush:3'], async () => {
      await client.send(['FLUSHALL']);
      await rm(spec.checkpoint.dir, { recursive: true, force: true });
    });
    expect(a.stderr()).toContain('fault injected at mid-flush');
    const written = await scanKeys(client, 'ranked:*', 1000);
    expect(written.length).toBeGreaterThan(0);
    const b = await spawnJob(file);
    const exit = await b.exited;
    if (exit.code !== 0) throw new Error(b.stderr());
    expect(b.events.find((e) => e.event === 'attempt')?.restored).not.toBeNull();

    // Expected LPUSH order per (key, partition): each batch of BATCH rows filtered, sorted.
    const pushes = new Map<string, string[]>();
    generatedRows(spec.sources[0]).forEach((rows, p) => {
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH).filter((r) => (r.score as number) > 1000);
        batch.sort(
          (x, y) =>
            (y.score as number) - (x.score as number) ||
            ((x.player_id as string) < (y.player_id as string)
              ? -1
              : (x.player_id as string) > (y.player_id as string)
                ? 1
                : 0),
        );
        for (const r of batch) {
          const k = `ranked:${r.game_id}|${p}`;
          pushes.set(k, [...(pushes.get(k) ?? []), r.id as string]);
        }
      }
    });
    const keys = (await scanKeys(client, 'ranked:*', 1000)).sort();
    expect(keys).toEqual(['ranked:game_id-0', 'ranked:game_id-1', 'ranked:game_id-2']);
    let total = 0;
    for (const k of keys) {
      const list = ((await client.send(['LRANGE', k, 0, -1])) as string[]).map((s) => JSON.parse(s) as Row);
      const pushed = list.reverse(); // LPUSH: the head is the last push
      total += pushed.length;
      for (const p of [0, 1]) {
        const got = pushed.filter((r) => (r.id as string).startsWith(`id-${p}-`)).map((r) => r.id);
        expect(got).toEqual(pushes.get(`${k}|${p}`) ?? []);
      }
    }
    expect(total).toBe([...pushes.values()].reduce((n, l) => n + l.length, 0));
  });
});
