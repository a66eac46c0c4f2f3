import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/index.js';
import type { Command } from '../../src/resp/reply.js';
import { FencedError, SinkWriteError } from '../../src/sink/errors.js';
import {
  type FencedRows,
  FenceMemory,
  type FenceWriter,
  fencedCommands,
} from '../../src/sink/fence/fenced-commands.js';
import { tableFenceKey } from '../../src/sink/fence/slot-tags.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

/** Rows of keys `a` and `b` (alternating) in partition `p0`, offsets `from`.. */
function rowsFrom(from: number, n: number, value = (i: number) => String(i)): FencedRows {
  const keys: string[] = [];
  const values: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    keys.push(i % 2 === 0 ? 'a' : 'b');
    values.push(value(from + i));
    offsets.push(from + i);
  }
  return { keys, fields: [], values, pairs: [], deletes: [], partitions: keys.map(() => 'p0'), offsets };
}

/** The packed offsets of each run of a standalone call ('' for a bare run, which has none). */
function packedOffsets(cmd: Command, summed: boolean): unknown[] {
  // EVALSHA sha numkeys KEYS... ARGV: owner gen op G flags... U (field genField prev)... Q ... runs
  let at = 3 + Number(cmd[2]) + 3;
  at += 1 + Number(cmd[at]);
  at += 1 + 3 * Number(cmd[at]);
  expect(cmd[at]).toBe(0); // no commands after the rows
  at++;
  const out: unknown[] = [];
  while (at < cmd.length) {
    const n = Number(cmd[at + 2]);
    // A bare run: fence, key index negated, n, last offset, then its rows (an INCRBY run its sum).
    if (Number(cmd[at + 1]) < 0) {
      out.push('');
      at += 4 + (summed ? 1 : n);
      continue;
    }
    out.push(cmd[at + 5]);
    at += 6 + (summed ? 2 : n);
  }
  return out;
}

describe('fences — runs sent without their offsets', () => {
  it('fence — bare runs: once a reply shows a fence caught up, variadic and summed runs go without offsets; per-row commands keep them', () => {
    const memory = new FenceMemory();
    const writer: FenceWriter = { table: 't', owner: 'o', generation: 1, memory };
    const first = fencedCommands(rowsFrom(0, 6), { op: 'RPUSH', flags: [] }, writer, false).commands[0];
    expect(packedOffsets(first, false)).toEqual(['0,2,4', '1,3,5']);
    // Not yet known to have caught up: a second call still carries its offsets.
    const second = fencedCommands(rowsFrom(6, 2), { op: 'RPUSH', flags: [] }, writer, false).commands[0];
    expect(packedOffsets(second, false)).toEqual(['6', '7']);
    for (const slot of [keySlot('a'), keySlot('b')]) memory.fence(slot, 'p0', false).synced = true;
    const bare = fencedCommands(rowsFrom(8, 4), { op: 'RPUSH', flags: [] }, writer, false).commands[0];
    expect(packedOffsets(bare, false)).toEqual(['', '']);
    const summed = fencedCommands(rowsFrom(12, 4), { op: 'INCRBY', flags: [] }, writer, false).commands[0];
    expect(packedOffsets(summed, true)).toEqual(['', '']);
    const perRow = fencedCommands(rowsFrom(16, 2), { op: 'INCRBYFLOAT', flags: [] }, writer, false)
      .commands[0];
    expect(packedOffsets(perRow, false)).toEqual(['16', '17']);
    // A run that does not start past what was sent (a replay inside the writer) keeps them too.
    const back = fencedCommands(rowsFrom(3, 2), { op: 'RPUSH', flags: [] }, writer, false).commands[0];
    expect(packedOffsets(back, false)).toEqual(['3', '4']);
  });

  it('fence — standalone Redis keeps one fence hash per table, a field per (partition, slot), each at the last applied offset', async () => {
    const t = table(
      { type: 'list', listPrefix: 'one:', listKeyColumn: 'k', operation: 'Append' },
      { name: 'onehash', format: 'raw', valueColumn: 'v', batchSize: 4 },
    );
    const s = await sinkOn(redis.server.url, t);
    const keys = ['x', 'y', 'z'];
    for (let flush = 0; flush < 5; flush++) {
      const rows = Array.from({ length: 6 }, (_, i) => ({ k: keys[i % 3], v: `${flush * 6 + i}` }));
      await s.write(rows, { partition: 'q', offsets: rows.map((_, i) => flush * 6 + i) });
      await s.flush();
    }
    await s.close();
    for (const [j, k] of keys.entries()) {
      const want = Array.from({ length: 10 }, (_, i) => `${Math.floor(i / 2) * 6 + (i % 2) * 3 + j}`);
      expect(await redis.client.send(['LRANGE', `one:${k}`, 0, -1])).toEqual(want);
      expect(await redis.client.send(['HGET', tableFenceKey('onehash'), `p:q@${keySlot(`one:${k}`)}`])).toBe(
        String(24 + 3 + j),
      );
    }
    expect(await redis.client.send(['KEYS', 'laminar:fence:*onehash*'])).toEqual([tableFenceKey('onehash')]);
  });

  it('fence — a fence moved by another writer of the same job and generation is refused (FENCEAHEAD) before anything is written', async () => {
    const t = table(
      { type: 'counter', counterPrefix: 'ahead:', counterKeyColumn: 'k', incrementColumn: 'n' },
      { name: 'ahead', delivery: 'exactly_once', batchSize: 100 },
    );
    const a = await sinkOn(redis.server.url, t, { fenceOwner: 'job', generation: 3 });
    const b = await sinkOn(redis.server.url, t, { fenceOwner: 'job', generation: 3 });
    const rows = (n: number) => Array.from({ length: n }, () => ({ k: 'c', n: 1 }));
    await a.write(rows(4), { partition: 'p', offsets: [0, 1, 2, 3] });
    await a.flush();
    await b.write(rows(2), { partition: 'p', offsets: [4, 5] });
    await b.flush();
    await a.write(rows(2), { partition: 'p', offsets: [6, 7] });
    const err = await a.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkWriteError);
    expect((err as SinkWriteError).message).toMatch(/FENCEAHEAD/);
    expect(await redis.client.send(['GET', 'ahead:c'])).toBe('6');
    await a.close().catch(() => {});
    await b.close();
  });

  it('fence — commands with flags (XADD MAXLEN, ZADD GT, ZADD NX INCR) apply each row once across a replay', async () => {
    const zsetOf = (name: string, extra: object) =>
      table(
        {
          type: 'sorted_set',
          sortedSetPrefix: `${name}:`,
          sortedSetKeyColumn: 'k',
          scoreColumn: 'n',
          memberColumn: 'm',
          ...extra,
        },
        { name, delivery: 'exactly_once', batchSize: 3 },
      );
    const tables = [
      table(
        {
          type: 'stream',
          streamPrefix: 'fx:',
          streamKeyColumn: 'k',
          streamLayout: 'columns',
          streamMaxLength: 4,
          streamTrim: 'exact',
        },
        { name: 'fx', delivery: 'exactly_once', batchSize: 3 },
      ),
      zsetOf('fgt', { scoreMode: 'greater' }),
      zsetOf('fnx', { scoreMode: 'increment', writeMode: 'if_absent' }),
    ];
    const rows = Array.from({ length: 10 }, (_, i) => ({
      k: i % 2 === 0 ? 'a' : 'b',
      m: `m${i % 3}`,
      n: (i * 7) % 11,
    }));
    for (const t of tables) {
      const first = await sinkOn(redis.server.url, t, { generation: 1 });
      await first.write(rows.slice(0, 7), { partition: 'p', offsets: [0, 1, 2, 3, 4, 5, 6] });
      await first.flush();
      await first.close();
      // The replay starts before what was applied, with other flush boundaries.
      const second = await sinkOn(redis.server.url, t, { generation: 2 });
      await second.write(rows.slice(2), { partition: 'p', offsets: [2, 3, 4, 5, 6, 7, 8, 9] });
      await second.flush();
      expect(second.stats.rowsDuplicate, t.name).toBe(5);
      await second.close();
    }
    const scores = async (key: string) => {
      const got = (await redis.client.send(['ZRANGE', key, 0, -1, 'WITHSCORES'])) as unknown[];
      return new Map(got.map((p) => [String((p as unknown[])[0]), Number((p as unknown[])[1])]));
    };
    for (const k of ['a', 'b']) {
      const mine = rows.filter((r) => r.k === k);
      const entries = (await redis.client.send(['XRANGE', `fx:${k}`, '-', '+'])) as [string, string[]][];
      expect(entries.map(([, f]) => f[f.indexOf('n') + 1])).toEqual(mine.slice(-4).map((r) => String(r.n)));
      const best = new Map<string, number>();
      const firstSeen = new Map<string, number>();
      for (const r of mine) {
        best.set(r.m, Math.max(best.get(r.m) ?? -1, r.n));
        if (!firstSeen.has(r.m)) firstSeen.set(r.m, r.n);
      }
      expect(await scores(`fgt:${k}`)).toEqual(best);
      expect(await scores(`fnx:${k}`)).toEqual(firstSeen);
    }
  });

  it('fence — shards of one job keep their own generations in the one standalone hash: a newer shard never fences an older one of other slots', async () => {
    const t = table(
      { type: 'list', listPrefix: 'gen:', listKeyColumn: 'k', operation: 'Append' },
      { name: 'gens', format: 'raw', valueColumn: 'v' },
    );
    // Keys in different slots, written by two shards of job 'j' at different generations.
    const [x, y] = ['a', 'b'];
    expect(keySlot(`gen:${x}`)).not.toBe(keySlot(`gen:${y}`));
    const write = async (generation: number, k: string, v: string, offset: number) => {
      const s = await sinkOn(redis.server.url, t, { fenceOwner: 'j', generation });
      await s.write([{ k, v }], { partition: k, offsets: [offset] });
      const err = await s.flush().then(
        () => undefined,
        (e: unknown) => e,
      );
      await s.close().catch(() => {});
      return err;
    };
    expect(await write(5, x, 'x0', 0)).toBeUndefined();
    expect(await write(9, y, 'y0', 0)).toBeUndefined();
    // The shard of slot x is still at generation 5: slot y's 9 does not fence it.
    expect(await write(5, x, 'x1', 1)).toBeUndefined();
    // A zombie of slot x (generation 4) is refused.
    expect(await write(4, x, 'x2', 2)).toBeInstanceOf(FencedError);
    expect(await redis.client.send(['LRANGE', `gen:${x}`, 0, -1])).toEqual(['x0', 'x1']);
    expect(await redis.client.send(['LRANGE', `gen:${y}`, 0, -1])).toEqual(['y0']);
  });
});
