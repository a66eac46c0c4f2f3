import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { listTables, type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * Producer.flush() — and a write() waiting on a full window — do not wait for the table's
 * checkpoint interval: the worker asks the coordinator for a checkpoint once it holds every batch
 * the producer waits on. The interval here is ten minutes, so a flush that resolves at all (a
 * write past the window that goes on at all) was acknowledged by a requested checkpoint.
 */
describe('runtime — a producer flush asks for a checkpoint', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 2,
      checkpointIntervalMs: 600_000,
      tables: listTables({ events: { prefix: 'ev:', shards: 3 } }),
    });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  const lists = async (tag: string, keys: number) => {
    const out: number[][] = [];
    for (let k = 0; k < keys; k++) {
      const got = (await client.send(['LRANGE', `ev:${tag}${k}`, '0', '-1'])) as Buffer[];
      out.push(got.map((b) => (JSON.parse(b.toString()) as { i: number }).i));
    }
    return out;
  };

  it('a producer whose window is full asks for checkpoints: writing 20× its window goes on without waiting for the interval', async () => {
    const p = new Producer({
      coordinator: rt.grpcAddress,
      table: 'events',
      batchRows: 100,
      maxUnackedRows: 500,
    });
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ k: `w-${i % 16}`, i }));
    try {
      for (let from = 0; from < rows.length; from += 1_000) await p.write(rows.slice(from, from + 1_000));
      await p.flush();
      expect(p.stats()).toMatchObject({ rowsWritten: 10_000, rowsAcked: 10_000, unackedRows: 0 });
    } finally {
      await p.close();
    }
    const got = await lists('w-', 16);
    expect(got.reduce((n, l) => n + l.length, 0)).toBe(10_000);
  });

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding} rows: flush resolves long before the interval, each time, with every row in Redis in order`, async () => {
      const p = new Producer({ coordinator: rt.grpcAddress, table: 'events', batchRows: 300, encoding });
      const tag = `${encoding}-`;
      const rows = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, j) => ({ k: `${tag}${(from + j) % 16}`, i: from + j }));
      try {
        // Three flushes: each needs its own requested checkpoint(s).
        for (const [from, to] of [
          [0, 5_000],
          [5_000, 5_001],
          [5_001, 9_000],
        ]) {
          await p.write(rows(from, to));
          await p.flush();
          expect(p.stats()).toMatchObject({ rowsWritten: to, rowsAcked: to, unackedRows: 0 });
        }
      } finally {
        await p.close();
      }
      const got = await lists(tag, 16);
      got.forEach((l, k) => {
        const want: number[] = [];
        for (let i = k; i < 9_000; i += 16) want.push(i);
        expect(l).toEqual(want);
      });
    });
  }
});
