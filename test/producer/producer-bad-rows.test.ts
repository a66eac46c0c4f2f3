import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import type { LaminarLogger } from '../../src/log.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { OnError } from '../../src/sink/model.js';
import type { Row } from '../../src/sink/row-encoder.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { silent } from '../support/ingest-harness.js';
import { type RuntimeFixture, runtimeFixture } from '../support/runtime.js';
import { recordingLogger } from '../support/sink.js';

/**
 * Bad rows written through a producer follow the table's `'sink.on_error'` on the worker exactly
 * as they do through `createSink().write()`, whatever the wire encoding: the same rows are
 * written, the same rows skipped (with the same logged reasons) or dead-lettered (with the same
 * reasons and rows), and under `'fail'` the table fails with the sink's reason. The producer finds
 * the rows the table's encoder refuses and sends what the sink needs of them — the reason and the
 * row's dead-letter form — since no encoding carries some of them whole (a function or symbol
 * value, nesting too deep for JSON, a `toJSON` that throws).
 */
describe('runtime — bad rows from a producer follow the table error policy, as the sink does', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;
  const runtimeLog = recordingLogger();
  const encodings: RowEncodingName[] = ['keyed', 'json', 'v8'];

  /** A string table keyed by `id`, JSON values; `p:` prefixed for the producer, `s:` for the sink. */
  const config = (side: 'p' | 's', name: string, onError: OnError) => ({
    target: { keyPrefix: `${side}:${name}:`, keyColumn: 'id' },
    sink: onError === 'dead_letter' ? { onError, deadLetterKey: `${side}:${name}:dead` } : { onError },
  });

  beforeAll(async () => {
    const tables: Record<string, { config: Record<string, unknown>; shards: number }> = {};
    for (const e of encodings) {
      for (const [name, onError] of [
        [`dl_${e}`, 'dead_letter'],
        [`sk_${e}`, 'skip'],
        [`fl_${e}`, 'fail'],
      ] as const) {
        const { target, sink } = config('p', name, onError);
        tables[name] = { config: { connectorType: { target }, sink }, shards: 2 };
      }
    }
    f = await runtimeFixture({ workers: 1, tables, logger: runtimeLog.logger });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  /** Nesting no JSON.stringify gets through (the stack runs out). */
  const deep = (): Record<string, unknown> => {
    const top: Record<string, unknown> = {};
    let d = top;
    for (let i = 0; i < 20_000; i++) d = d.a = {};
    return top;
  };
  const cyclic = () => {
    const o: Record<string, unknown> = { x: 1 };
    o.self = o;
    return o;
  };

  /** Good rows, and bad ones of every kind; each with an id (for its key) but the keyless ones. */
  const rows = (tag: string): Row[] => [
    { id: `${tag}-good-1`, n: 1, s: 'text', nested: { a: [1, 'two', null] } },
    { id: null, n: 2, why: 'null key' },
    { n: 3, why: 'missing key' },
    { id: '', n: 4, why: 'empty key' },
    { id: `${tag}-nan`, n: Number.NaN },
    { id: `${tag}-inf`, n: Number.POSITIVE_INFINITY },
    { id: `${tag}-bad-date`, at: new Date(Number.NaN) },
    { id: `${tag}-fn`, n: 8, fn: () => 'not a value' },
    { id: `${tag}-sym`, n: 9, sym: Symbol('nine') },
    { id: `${tag}-deep`, n: 10, deep: deep() },
    {
      id: `${tag}-to-json`,
      n: 11,
      t: {
        toJSON: () => {
          throw new Error('boom');
        },
      },
    },
    {
      id: `${tag}-row-to-json`,
      n: 12,
      toJSON: () => {
        throw new Error('boom');
      },
    },
    { id: `${tag}-cycle`, n: 13, c: cyclic() },
    { id: `${tag}-nested-bigint`, n: 14, o: { big: 2n ** 70n } },
    { id: `${tag}-good-2`, n: 15, at: new Date('2026-01-02T03:04:05.678Z') },
  ];
  const ids = (tag: string) =>
    rows(tag)
      .map((r) => (r as { id?: unknown }).id)
      .filter((id) => typeof id === 'string' && id !== '') as string[];

  /** Dead-letter entries of a list, without their time. */
  const deadLetters = async (key: string) =>
    ((await client.send(['LRANGE', key, '0', '-1'])) as Buffer[]).map((b) => {
      const { at: _at, ...rest } = JSON.parse(String(b)) as Record<string, unknown>;
      return rest;
    });

  /** Reasons logged for skipped rows of a table. */
  const skipped = (lines: string[], table: string) =>
    lines
      .map((l) => JSON.parse(l) as { msg?: string; table?: string; reason?: string })
      .filter((l) => l.msg === 'bad row skipped' && l.table === table)
      .map((l) => l.reason);

  /** Writes `rows` through createSink() into the `s:` keys of `name`; the error of 'fail'. */
  async function throughSink(name: string, onError: OnError, written: Row[], logger: LaminarLogger = silent) {
    const { target, sink } = config('s', name, onError);
    const s = await createSink(
      {
        model: defineTable({
          name,
          profile: { name: 'p', connection: { kind: 'standalone', address: f!.redis.url } },
          target: { type: 'string', ...target },
          ...sink,
        }),
      },
      { logger },
    );
    let error: unknown = null;
    try {
      await s.write(written);
      await s.flush();
    } catch (err) {
      error = err;
    }
    await s.close().catch(() => {});
    return error;
  }

  for (const encoding of encodings) {
    it(`${encoding}: the same rows land, are skipped and dead-lettered as through the sink`, async () => {
      for (const [name, onError] of [
        [`dl_${encoding}`, 'dead_letter'],
        [`sk_${encoding}`, 'skip'],
      ] as const) {
        const sinkLog = recordingLogger();
        expect(await throughSink(name, onError, rows(name), sinkLog.logger)).toBeNull();
        const p = new Producer({ coordinator: rt.grpcAddress, table: name, encoding, logger: silent });
        try {
          await p.write(rows(name));
          await p.flush();
          expect(p.stats()).toMatchObject({ rowsWritten: 15, rowsAcked: 15 });
        } finally {
          await p.close();
        }
        for (const id of ids(name)) {
          const want = await client.send(['GET', `s:${name}:${id}`]);
          expect(await client.send(['GET', `p:${name}:${id}`]), `${name} ${id}`).toEqual(want);
        }
        expect(await client.send(['GET', `s:${name}:${name}-good-1`])).not.toBeNull();
        if (onError === 'dead_letter') {
          const want = await deadLetters(`s:${name}:dead`);
          expect(want).toHaveLength(13);
          expect(await deadLetters(`p:${name}:dead`)).toEqual(want);
        } else {
          const want = skipped(sinkLog.lines, name);
          expect(want).toHaveLength(13);
          expect(skipped(runtimeLog.lines, name)).toEqual(want);
        }
      }
    }, 60_000);

    it(`${encoding}: under 'fail', a function value fails the table with the sink's reason`, async () => {
      const name = `fl_${encoding}`;
      const bad: Row[] = [
        { id: 'ok', n: 1 },
        { id: 'f', fn: () => 1 },
      ];
      const err = (await throughSink(name, 'fail', bad)) as Error;
      expect(err).toMatchObject({ code: 'ERR_BAD_ROW', reason: "column 'fn' cannot be encoded as JSON" });
      const p = new Producer({ coordinator: rt.grpcAddress, table: name, encoding, logger: silent });
      try {
        await p.write(bad);
        await expect(p.flush()).rejects.toMatchObject({
          reason: 'TABLE_FAILED',
          message: expect.stringContaining("[ERR_BAD_ROW] table 'fl_"),
        });
        await expect(p.flush()).rejects.toMatchObject({
          message: expect.stringContaining("column 'fn' cannot be encoded as JSON"),
        });
      } finally {
        await p.close().catch(() => {});
      }
      expect(await client.send(['GET', `p:${name}:f`])).toBeNull();
    }, 60_000);
  }
});
