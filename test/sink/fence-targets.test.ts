import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../src/sink/model.js';
import type { RedisSink } from '../../src/sink/sink.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

interface Ev {
  p: string;
  off: number;
  k: string;
  n: number;
  m: string;
}

/** Events of two partitions over `keys`, offsets increasing per partition, interleaved arbitrarily. */
const eventsOver = (keys: string[]) =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom('p0', 'p1'),
        fc.constantFrom(...keys),
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom('x', 'y'),
      ),
      { maxLength: 40 },
    )
    .map((rows) => {
      const next: Record<string, number> = { p0: 0, p1: 0 };
      return rows.map(([p, k, n, m]): Ev => ({ p, off: next[p]++, k, n, m }));
    });

const targets = (prefix: string): Record<string, Target> => ({
  counter: { type: 'counter', counterPrefix: prefix, counterKeyColumn: 'k', incrementColumn: 'n' },
  hash_counter: {
    type: 'hash_counter',
    hashCounterPrefix: prefix,
    hashCounterKeyColumn: 'k',
    hashCounterFieldColumn: 'm',
    incrementColumn: 'n',
  },
  sorted_set: {
    type: 'sorted_set',
    sortedSetPrefix: prefix,
    sortedSetKeyColumn: 'k',
    scoreColumn: 'n',
    memberColumn: 'm',
    scoreMode: 'increment',
  },
  stream: { type: 'stream', streamPrefix: prefix, streamKeyColumn: 'k', streamLayout: 'columns' },
});

let run = 0;
describe('fences — counters, sorted-set increments and streams', () => {
  it.each([
    ['counter', ['a', 'b', '{s}c', '{s}d']],
    ['hash_counter', ['a', '{s}c', '{s}d']],
    ['sorted_set', ['a', '{s}c', '{s}d']],
    ['stream', ['a', '{s}c', '{s}d']],
  ])(
    'fence — property (%s): for any applied prefix and any replay point, each row counts exactly once',
    async (type, keys) => {
      await fc.assert(
        fc.asyncProperty(
          eventsOver(keys as string[]),
          fc.nat(),
          fc.nat(),
          fc.nat(),
          async (evs, appliedRaw, r0, r1) => {
            const prefix = `ft${++run}:`;
            const t = table(targets(prefix)[type], {
              name: `ft${run}`,
              batchSize: 7,
              delivery: 'exactly_once',
            });
            const write = async (sink: RedisSink, rows: Ev[]) => {
              await sink.write(rows, { partition: rows.map((r) => r.p), offsets: rows.map((r) => r.off) });
            };
            const applied = evs.length === 0 ? 0 : appliedRaw % (evs.length + 1);
            const first = await sinkOn(redis.server.url, t);
            await write(first, evs.slice(0, applied));
            await first.close();
            const appliedPer = (p: string) => evs.slice(0, applied).filter((e) => e.p === p).length;
            const from = { p0: r0 % (appliedPer('p0') + 1), p1: r1 % (appliedPer('p1') + 1) };
            const second = await sinkOn(redis.server.url, t, { generation: 2 });
            await write(
              second,
              evs.filter((e) => e.off >= from[e.p as 'p0' | 'p1']),
            );
            await second.close();
            for (const k of keys as string[]) {
              const mine = evs.filter((e) => e.k === k);
              const key = prefix + k;
              if (type === 'counter') {
                const got = await redis.client.send(['GET', key]);
                expect(got === null ? 0 : Number(got)).toBe(mine.reduce((s, e) => s + e.n, 0));
              } else if (type === 'stream') {
                const got = (await redis.client.send(['XRANGE', key, '-', '+'])) as [string, string[]][];
                expect(got.map(([, f]) => Number(f[f.indexOf('n') + 1]))).toEqual(mine.map((e) => e.n));
              } else {
                for (const m of ['x', 'y']) {
                  const want = mine.filter((e) => e.m === m).reduce((s, e) => s + e.n, 0);
                  const got =
                    type === 'hash_counter'
                      ? await redis.client.send(['HGET', key, m])
                      : await redis.client.send(['ZSCORE', key, m]);
                  expect(got === null ? 0 : Number(got)).toBe(want);
                }
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});

describe('fences — an error part way through a run', () => {
  it('fence — a hash counter whose 3rd row meets a field Redis cannot add to keeps the fence at the 2nd row; the replay after the fix adds the rest once', async () => {
    const prefix = `fe${++run}:`;
    const t = table(
      {
        type: 'hash_counter',
        hashCounterPrefix: prefix,
        hashCounterKeyColumn: 'k',
        hashCounterFieldColumn: 'm',
        incrementColumn: 'n',
      },
      { name: `fe${run}`, delivery: 'exactly_once' },
    );
    await redis.client.send(['HSET', `${prefix}a`, 'bad', 'not a number']);
    const rows = [
      { k: 'a', m: 'x', n: 1 },
      { k: 'a', m: 'y', n: 2 },
      { k: 'a', m: 'bad', n: 3 },
      { k: 'a', m: 'x', n: 4 },
    ];
    const positions = { partition: 'p0', offsets: [10, 11, 12, 13] };
    const first = await sinkOn(redis.server.url, t);
    await first.write(rows, positions);
    const err = await first.flush().catch((e: unknown) => e);
    expect(String(err)).toMatch(/hash value is not an integer/);
    await first.close().catch(() => {});
    expect(await redis.client.send(['HGET', `${prefix}a`, 'x'])).toBe('1');
    await redis.client.send(['HSET', `${prefix}a`, 'bad', '0']);
    const second = await sinkOn(redis.server.url, t, { generation: 2 });
    await second.write(rows, positions);
    await second.close();
    expect(second.stats.rowsDuplicate).toBe(2);
    expect(await redis.client.send(['HGETALL', `${prefix}a`])).toEqual(
      new Map([
        ['bad', '3'],
        ['x', '5'],
        ['y', '2'],
      ]),
    );
  });
});
