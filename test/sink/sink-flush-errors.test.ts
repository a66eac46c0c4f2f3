import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/sink/batch.js';
import { SinkWriteError } from '../../src/sink/errors.js';
import type { Target } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { useRedis } from '../support/fixtures.js';
import { startRedis } from '../support/redis.js';
import { sinkOn, table } from '../support/sink.js';

describe('sink batches', () => {
  it('batch — pushes of one key become one variadic command, then exactly one LTRIM per key', () => {
    const target: Target = {
      type: 'list',
      listPrefix: 'l:',
      listKeyColumn: 'k',
      operation: 'Append',
      maxLength: 3,
    };
    const t = table(target, { format: 'raw', valueColumn: 'v' });
    const enc = new RowEncoder(t);
    const batch = new Batch(target);
    for (let i = 0; i < 10; i++) {
      expect(enc.encode({ k: i % 2 === 0 ? 'a' : 'b', v: `v${i}` })).toBeNull();
      batch.add(enc);
    }
    const { commands, rowsPerCommand } = batch.commands(undefined);
    expect(commands).toEqual([
      ['RPUSH', 'l:a', 'v0', 'v2', 'v4', 'v6', 'v8'],
      ['RPUSH', 'l:b', 'v1', 'v3', 'v5', 'v7', 'v9'],
      ['LTRIM', 'l:a', -3, -1],
      ['LTRIM', 'l:b', -3, -1],
    ]);
    expect(rowsPerCommand).toEqual([5, 5, 0, 0]);
  });

  it('batch — Prepend trims from the head; strings get SET ... EX', () => {
    const list: Target = { type: 'list', listPrefix: 'p:', operation: 'Prepend', maxLength: 2 };
    const enc = new RowEncoder(table(list, { format: 'raw', valueColumn: 'v' }));
    const b = new Batch(list);
    enc.encode({ v: 'x' });
    b.add(enc);
    expect(b.commands(undefined).commands).toEqual([
      ['LPUSH', 'p:', 'x'],
      ['LTRIM', 'p:', 0, 1],
    ]);
    const str: Target = { type: 'string', keyPrefix: 's:', keyColumn: 'id', ttlSecs: 60 };
    const e2 = new RowEncoder(table(str, { format: 'raw', valueColumn: 'v' }));
    const b2 = new Batch(str);
    e2.encode({ id: 1, v: 'y' });
    b2.add(e2);
    expect(b2.commands(undefined).commands).toEqual([['SET', 's:1', 'y', 'EX', '60']]);
  });
});

describe('sink flushing and server errors', () => {
  const redis = useRedis();

  it('sink — rows below batchSize are flushed by the interval timer without flush()', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'string', keyPrefix: 'timer:', keyColumn: 'id' },
        { batchSize: 1000, flushIntervalMs: 20 },
      ),
    );
    await s.write([{ id: 1 }, { id: 2 }]);
    let seen = 0;
    for (let i = 0; i < 200 && seen < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = (await redis.client.send(['EXISTS', 'timer:1', 'timer:2'])) as number;
    }
    expect(seen).toBe(2);
    expect(s.stats.flushes).toBe(1);
    await s.close();
  });

  it('sink — a full batch is flushed at batchSize rows', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'string', keyPrefix: 'bs:', keyColumn: 'id' },
        { batchSize: 10, flushIntervalMs: 60_000 },
      ),
    );
    await s.write(Array.from({ length: 25 }, (_, id) => ({ id })));
    expect(s.stats.flushes).toBe(2);
    await s.flush();
    expect(s.stats.flushes).toBe(3);
    expect(s.stats.rowsWritten).toBe(25);
    await s.close();
  });

  it('sink — OOM from a full Redis surfaces as SinkWriteError, never success', async () => {
    const small = await startRedis({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] });
    try {
      const s = await sinkOn(
        small.url,
        table({ type: 'string', keyPrefix: 'oom:', keyColumn: 'id' }, { format: 'raw', valueColumn: 'v' }),
      );
      const big = 'x'.repeat(64 * 1024);
      await s.write(Array.from({ length: 200 }, (_, id) => ({ id, v: big }))).catch(() => {});
      const err = await s.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkWriteError);
      expect(err).toMatchObject({ prefix: 'OOM', command: 'SET' });
      expect(s.stats.rowsWritten).toBeLessThan(200);
      await s.close().catch(() => {});
    } finally {
      await small.stop();
    }
  });

  it('sink — READONLY from a replica surfaces as SinkWriteError', async () => {
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(redis.server.port)] });
    try {
      const s = await sinkOn(
        replica.url,
        table({ type: 'hash', hashKeyPrefix: 'ro:', hashFieldColumn: 'f' }),
      );
      await s.write([{ f: 'a' }]);
      const err = await s.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkWriteError);
      expect(err).toMatchObject({ prefix: 'READONLY', command: 'HSET', key: 'ro:' });
      await s.close().catch(() => {});
    } finally {
      await replica.stop();
    }
  });
});
