import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * Bad rows written through a producer follow the table's `'sink.on_error'` on the worker, whatever
 * the wire encoding: with keyed rows (the default) the producer sends the rows its encoder refuses
 * whole, and the worker's sink dead-letters or skips them like any other bad row.
 */
describe('runtime — bad rows from a producer follow the table error policy', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    const table = (name: string, sink: Record<string, unknown>) => ({
      config: { connectorType: { target: { keyPrefix: `${name}:`, keyColumn: 'id' } }, sink },
      shards: 2,
    });
    f = await runtimeFixture({
      workers: 1,
      tables: {
        dl: table('dl', { onError: 'dead_letter', deadLetterKey: 'bad:dl' }),
        sk: table('sk', { onError: 'skip' }),
      },
    });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  /** 30 rows: every third has a null key, every fifth (not third) a value JSON cannot hold (NaN). */
  const rows = (tag: string) =>
    Array.from({ length: 30 }, (_, i) => ({
      id: i % 3 === 0 ? null : `${tag}-${i}`,
      n: i % 5 === 0 && i % 3 !== 0 ? Number.NaN : i,
      tag,
    }));

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding} rows: good rows land, bad ones are dead-lettered or skipped, every row is acknowledged`, async () => {
      // JSON on the wire turns NaN into null (JSON.stringify), so with json only null keys are bad.
      const nanIsBad = encoding !== 'json';
      const bad = (i: number) => i % 3 === 0 || (nanIsBad && i % 5 === 0);
      for (const table of ['dl', 'sk']) {
        const p = new Producer({ coordinator: rt.grpcAddress, table, encoding });
        try {
          await p.write(rows(encoding));
          await p.flush();
          expect(p.stats()).toMatchObject({ rowsWritten: 30, rowsAcked: 30 });
        } finally {
          await p.close();
        }
        for (let i = 0; i < 30; i++) {
          if (i % 3 === 0) continue; // no key: nothing to look up
          const got = (await client.send(['GET', `${table}:${encoding}-${i}`])) as Buffer | null;
          if (bad(i)) expect(got).toBeNull();
          else
            expect(JSON.parse(String(got))).toEqual({
              id: `${encoding}-${i}`,
              n: i % 5 === 0 ? null : i,
              tag: encoding,
            });
        }
      }
      const mine = ((await client.send(['LRANGE', 'bad:dl', '0', '-1'])) as Buffer[])
        .map(
          (b) =>
            JSON.parse(String(b)) as {
              table: string;
              reason: string;
              row: { id: string | null; tag: string };
            },
        )
        .filter((e) => e.row.tag === encoding);
      const nullKeys = mine.filter((e) => e.row.id === null);
      const nans = mine.filter((e) => e.row.id !== null);
      // Only the dead_letter table writes entries: 10 null keys, and 4 NaN values (i = 5, 10, 20, 25).
      expect(mine.every((e) => e.table === 'dl')).toBe(true);
      expect(nullKeys).toHaveLength(10);
      expect(nullKeys.every((e) => /key column 'id' is null/.test(e.reason))).toBe(true);
      expect(nans.map((e) => e.row.id).sort()).toEqual(
        nanIsBad ? [5, 10, 20, 25].map((i) => `${encoding}-${i}`).sort() : [],
      );
      for (const e of nans) expect(e.reason).toMatch(/column 'n' cannot be encoded as JSON/);
    });
  }
});
