import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, keySlot, type RedisCluster } from '../../src/index.js';
import { FencedError, SinkWriteError } from '../../src/sink/errors.js';
import { fenceKey, tagForSlot } from '../../src/sink/fence/slot-tags.js';
import type { Target } from '../../src/sink/model.js';
import { RedisSink } from '../../src/sink/sink.js';
import { useRedis } from '../support/fixtures.js';
import { startCluster, type RedisCluster as TestCluster } from '../support/redis.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

interface Ev {
  p: string;
  off: number;
  k: string;
  v: string;
}

/** Events of two partitions over `keys`, offsets increasing per partition, interleaved arbitrarily. */
const eventsOver = (keys: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom('p0', 'p1'), fc.constantFrom(...keys)), {
      maxLength: 40,
    })
    .map((pairs) => {
      const next: Record<string, number> = { p0: 0, p1: 0 };
      return pairs.map(([p, k], i): Ev => ({ p, off: next[p]++, k, v: `${p}:${i}` }));
    });

let run = 0;
describe('fences', () => {
  it.each([
    ['keys in different slots', ['a', 'b', '{c}', 'd}{', '{}e']],
    // One fence serves every key of a slot: rows of several keys interleave within a flush.
    ['keys sharing one slot', ['{s}a', '{s}b', '{s}c']],
  ])(
    'fence — property (%s): for any applied prefix and any replay point, each row is applied exactly once',
    async (_, keys) => {
      await fc.assert(
        fc.asyncProperty(
          eventsOver(keys as string[]),
          fc.nat(),
          fc.nat(),
          fc.nat(),
          fc.constantFrom('Append', 'Prepend'),
          async (evs, appliedRaw, replay0, replay1, operation) => {
            const prefix = `f${++run}:`;
            const target: Target = {
              type: 'list',
              listPrefix: prefix,
              listKeyColumn: 'k',
              operation: operation as 'Append',
            };
            const t = table(target, { name: `t${run}`, format: 'raw', valueColumn: 'v', batchSize: 7 });
            const write = async (sink: RedisSink, rows: Ev[]) => {
              await sink.write(rows, { partition: rows.map((r) => r.p), offsets: rows.map((r) => r.off) });
            };
            // First attempt: a prefix of the stream is applied, then the writer "crashes".
            const applied = evs.length === 0 ? 0 : appliedRaw % (evs.length + 1);
            const first = await sinkOn(redis.server.url, t);
            await write(first, evs.slice(0, applied));
            await first.flush();
            await first.close();
            // Recovery replays each partition from a point at or before what was applied.
            const appliedPer = (p: string) => evs.slice(0, applied).filter((e) => e.p === p).length;
            const from = { p0: replay0 % (appliedPer('p0') + 1), p1: replay1 % (appliedPer('p1') + 1) };
            const replay = evs.filter((e) => e.off >= from[e.p as 'p0' | 'p1']);
            const second = await sinkOn(redis.server.url, t, { generation: 2 });
            await write(second, replay);
            await second.flush();
            await second.close();
            // Reference: every row once, in order.
            const expected = new Map<string, string[]>();
            for (const e of evs) {
              const l = expected.get(prefix + e.k) ?? [];
              if (operation === 'Append') l.push(e.v);
              else l.unshift(e.v);
              expected.set(prefix + e.k, l);
            }
            for (const [k, l] of expected) expect(await redis.client.send(['LRANGE', k, 0, -1])).toEqual(l);
            const keys = (await redis.client.send(['KEYS', `${prefix}*`])) as string[];
            expect(keys.length).toBe(expected.size);
          },
        ),
        { numRuns: 150 },
      );
    },
  );

  it('fence — a string table: rows of keys sharing a slot, interleaved in one flush, each land (the last one per key wins)', async () => {
    const t = table(
      { type: 'string', keyPrefix: 'ss:', keyColumn: 'k' },
      { name: 'ss', format: 'raw', valueColumn: 'v', delivery: 'exactly_once' },
    );
    const s = await sinkOn(redis.server.url, t);
    const rows = [
      { k: '{x}a', v: 'a0' },
      { k: '{x}b', v: 'b1' },
      { k: '{x}a', v: 'a2' },
      { k: '{x}c', v: 'c3' },
      { k: '{x}b', v: 'b4' },
      { k: '{x}a', v: 'a5' },
      { k: '{x}d', v: 'd6' },
    ];
    await s.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    await s.flush();
    expect(s.stats.rowsDuplicate).toBe(0);
    expect(await redis.client.send(['MGET', 'ss:{x}a', 'ss:{x}b', 'ss:{x}c', 'ss:{x}d'])).toEqual([
      'a5',
      'b4',
      'c3',
      'd6',
    ]);
    // The replay of the whole flush is recognised, row by row.
    await s.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    await s.flush();
    expect(s.stats.rowsDuplicate).toBe(rows.length);
    await s.close();
  });

  it('fence — an error reply partway through a call leaves the fences at what was applied: the replay after the fix is exact', async () => {
    const t = table(
      { type: 'list', listPrefix: 'wt:', listKeyColumn: 'k', operation: 'Append', maxLength: 100 },
      { name: 'wt', format: 'raw', valueColumn: 'v' },
    );
    await redis.client.send(['SET', 'wt:c', 'not a list']);
    const rows = ['a', 'b', 'c', 'a', 'd', 'b'].map((k, i) => ({ k, v: `${k}${i}` }));
    const first = await sinkOn(redis.server.url, t);
    await first.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    const err = await first.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkWriteError);
    expect(err).toMatchObject({ code: 'ERR_SINK_WRITE', prefix: 'WRONGTYPE', key: 'wt:c' });
    await first.close().catch(() => {});

    await redis.client.send(['DEL', 'wt:c']);
    const replay = await sinkOn(redis.server.url, t, { generation: 2 });
    await replay.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    await replay.flush();
    for (const k of ['a', 'b', 'c', 'd']) {
      expect(await redis.client.send(['LRANGE', `wt:${k}`, 0, -1])).toEqual(
        rows.filter((r) => r.k === k).map((r) => r.v),
      );
    }
    await replay.close();
  });

  it("fence — fences belong to their owner: another job's offsets and generation never skip or refuse a new job's rows", async () => {
    const t = table(
      { type: 'list', listPrefix: 'own:', operation: 'Append' },
      { name: 'own', format: 'raw', valueColumn: 'v' },
    );
    const write = async (owner: string, generation: number, values: string[]) => {
      const s = await sinkOn(redis.server.url, t, { fenceOwner: owner, generation });
      await s.write(
        values.map((v) => ({ v })),
        { partition: 'p', offsets: values.map((_, i) => i) },
      );
      await s.flush();
      await s.close();
      return s.stats;
    };
    await write('job-a', 2, ['a0', 'a1', 'a2']);
    // A new job: the same partition and offsets, an older generation.
    expect(await write('job-b', 1, ['b0', 'b1', 'b2'])).toMatchObject({ rowsWritten: 3, rowsDuplicate: 0 });
    // Its own replay is still recognised.
    expect(await write('job-b', 1, ['b0', 'b1', 'b2'])).toMatchObject({ rowsDuplicate: 3 });
    expect(await redis.client.send(['LRANGE', 'own:', 0, -1])).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
  });

  it('fence — a superseded generation (zombie) is refused once its successor wrote the slot', async () => {
    const t = table(
      { type: 'list', listPrefix: 'z:', operation: 'Append' },
      { name: 'zombie', format: 'raw', valueColumn: 'v' },
    );
    const next = await sinkOn(redis.server.url, t, { generation: 5 });
    await next.write([{ v: 'new' }], { partition: 'p', offsets: [10] });
    await next.flush();
    const zombie = await sinkOn(redis.server.url, t, { generation: 4 });
    await zombie.write([{ v: 'stale' }], { partition: 'p', offsets: [11] });
    const err = await zombie.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FencedError);
    expect((err as FencedError).code).toBe('ERR_FENCED');
    expect(await redis.client.send(['LRANGE', 'z:', 0, -1])).toEqual(['new']);
    await zombie.close().catch(() => {});
    await next.close();
  });

  it('fence — NOSCRIPT after a script flush is answered by sending the script again', async () => {
    const t = table(
      { type: 'list', listPrefix: 'ns:', operation: 'Append' },
      { name: 'ns', format: 'raw', valueColumn: 'v' },
    );
    const s = await sinkOn(redis.server.url, t);
    await s.write([{ v: 'a' }], { partition: 'p', offsets: [0] });
    await s.flush();
    await redis.client.send(['SCRIPT', 'FLUSH']);
    await s.write([{ v: 'b' }, { v: 'a-again' }], { partition: 'p', offsets: [1, 0] });
    await s.flush();
    expect(s.stats.scriptReloads).toBe(1);
    expect(s.stats.rowsDuplicate).toBe(1);
    expect(await redis.client.send(['LRANGE', 'ns:', 0, -1])).toEqual(['a', 'b']);
    await s.close();
  });

  it('fence — strings and hashes are exactly-once on request', async () => {
    const t = table(
      { type: 'hash', hashKeyPrefix: 'eh:', hashFieldColumn: 'f' },
      { name: 'eh', format: 'raw', valueColumn: 'v', delivery: 'exactly_once' },
    );
    const s = await sinkOn(redis.server.url, t);
    await s.write(
      [
        { f: 'x', v: '1' },
        { f: 'x', v: '2' },
      ],
      { partition: 'p', offsets: [0, 1] },
    );
    await s.write([{ f: 'x', v: '1' }], { partition: 'p', offsets: [0] });
    await s.flush();
    expect(await redis.client.send(['HGET', 'eh:', 'x'])).toBe('2');
    await s.close();
  });

  it('fence — slot tags hash to their slot and never wrap the raw key', () => {
    for (const slot of [0, 1, 5000, 16383]) expect(keySlot(tagForSlot(slot))).toBe(slot);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u)),
        ),
        (key) => {
          const slot = keySlot(key);
          expect(keySlot(fenceKey(slot, 'a{b}c'))).toBe(slot);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('fences on cluster', () => {
  let cluster: TestCluster;
  let cl: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    cl = await createCluster({ addresses: [`redis://${cluster.addresses[0]}`] });
  }, 120_000);
  afterAll(async () => {
    await cl?.close();
    await cluster?.stop();
  });

  it('fence — fence hash and data keys share a slot on a real cluster, for keys with braces and binary bytes', async () => {
    const keys: (string | Buffer)[] = [
      '{',
      '}',
      '{}',
      '{}x{y}',
      'a{b}c',
      '{{}}',
      Buffer.from([0x7b, 0xff, 0x7d, 0x00]),
    ];
    const t = table(
      { type: 'list', listPrefix: '', listKeyColumn: 'k', operation: 'Append' },
      { name: 'slots', format: 'raw', valueColumn: 'v' },
    );
    const s = new RedisSink(t, cl, pino({ level: 'silent' }));
    const rows = keys.map((k, i) => ({ k, v: `v${i}` }));
    await s.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    await s.write(rows, { partition: 'p', offsets: rows.map((_, i) => i) });
    await s.flush();
    expect(s.stats.rowsDuplicate).toBe(keys.length);
    for (let i = 0; i < keys.length; i++)
      expect(await cl.send(['LRANGE', keys[i], 0, -1])).toEqual([`v${i}`]);
    await s.flush();
  });
});
