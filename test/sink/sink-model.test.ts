import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import type { HashTarget, ListTarget, SinkTable, StringTarget, Target } from '../../src/sink/model.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

/**
 * The seed's semantics as a tiny in-memory model: what Redis must hold after the sink has
 * flushed a sequence of rows (bad rows skipped).
 */
interface Model {
  strings: Map<string, { value: string; ttl: boolean }>;
  lists: Map<string, string[]>;
  hashes: Map<string, Map<string, string>>;
}

type Row = Record<string, string | number | boolean | null | undefined>;

const SCHEMA: Column[] = [
  { name: 'k', type: 'TEXT', nullable: true },
  { name: 'f', type: 'TEXT', nullable: true },
  { name: 'v', type: 'TEXT', nullable: true },
  { name: 'n', type: 'BIGINT', nullable: true },
];

function keyText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s === '' ? null : s;
}

function expectedValue(t: SinkTable, row: Row): string | null {
  if (t.format === 'raw') {
    const v = row.v;
    return v === null || v === undefined ? null : String(v);
  }
  return JSON.stringify(Object.fromEntries(SCHEMA.map((c) => [c.name, row[c.name] ?? null])));
}

function applyModel(m: Model, t: SinkTable, rows: Row[]): void {
  const target = t.target as StringTarget | ListTarget | HashTarget;
  for (const row of rows) {
    const prefix =
      (target.type === 'string'
        ? target.keyPrefix
        : target.type === 'list'
          ? target.listPrefix
          : target.hashKeyPrefix) ?? '';
    const kc =
      target.type === 'string'
        ? target.keyColumn
        : target.type === 'list'
          ? target.listKeyColumn
          : target.hashKeyColumn;
    let key = prefix;
    if (kc !== undefined) {
      const part = keyText(row[kc]);
      if (part === null) continue;
      key = prefix + part;
    }
    const value = expectedValue(t, row);
    if (value === null) continue;
    if (target.type === 'string') {
      m.strings.set(key, { value, ttl: target.ttlSecs !== undefined });
    } else if (target.type === 'list') {
      const l = m.lists.get(key) ?? [];
      if (target.operation === 'Append') l.push(value);
      else l.unshift(value);
      m.lists.set(key, l);
    } else {
      const f = row.f === null || row.f === undefined ? null : String(row.f);
      if (f === null) continue;
      const h = m.hashes.get(key) ?? new Map<string, string>();
      h.set(f, value);
      m.hashes.set(key, h);
    }
  }
  if (target.type === 'list' && target.maxLength !== undefined) {
    // Trimming after every flush keeps the same elements as trimming once at the end.
    for (const [k, l] of m.lists) {
      m.lists.set(
        k,
        target.operation === 'Append' ? l.slice(-target.maxLength) : l.slice(0, target.maxLength),
      );
    }
  }
}

const cell = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'é', '{x}', ''),
  fc.integer({ min: -3, max: 3 }),
  fc.constant(null),
  fc.constant(undefined),
);
const rowArb: fc.Arbitrary<Row> = fc.record({
  k: cell,
  f: cell,
  v: fc.oneof(cell, fc.string({ maxLength: 30 })),
  n: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
});

const targetArb = (prefix: string): fc.Arbitrary<StringTarget | ListTarget | HashTarget> =>
  fc.oneof(
    fc.record({
      type: fc.constant('string' as const),
      keyPrefix: fc.constant(prefix),
      keyColumn: fc.option(fc.constant('k'), { nil: undefined }),
      ttlSecs: fc.option(fc.integer({ min: 100, max: 100_000 }), { nil: undefined }),
    }),
    fc.record({
      type: fc.constant('list' as const),
      listPrefix: fc.constant(prefix),
      listKeyColumn: fc.option(fc.constant('k'), { nil: undefined }),
      maxLength: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      operation: fc.constantFrom('Append' as const, 'Prepend' as const),
    }),
    fc.record({
      type: fc.constant('hash' as const),
      hashKeyPrefix: fc.constant(prefix),
      hashKeyColumn: fc.option(fc.constant('k'), { nil: undefined }),
      hashFieldColumn: fc.constant('f'),
    }),
  );

const redis = useRedis();

async function redisState(prefix: string): Promise<Model> {
  const m: Model = { strings: new Map(), lists: new Map(), hashes: new Map() };
  const keys = (await redis.client.send(['KEYS', `${prefix}*`])) as string[];
  for (const k of keys) {
    const type = await redis.client.send(['TYPE', k]);
    if (type === 'string') {
      m.strings.set(k, {
        value: (await redis.client.send(['GET', k])) as string,
        ttl: ((await redis.client.send(['TTL', k])) as number) > 0,
      });
    } else if (type === 'list') {
      m.lists.set(k, (await redis.client.send(['LRANGE', k, 0, -1])) as string[]);
    } else {
      m.hashes.set(k, (await redis.client.send(['HGETALL', k])) as Map<string, string>);
    }
  }
  return m;
}

let run = 0;
describe('sink model', () => {
  it('sink — property: after flush() Redis equals the reference model for any rows and table', async () => {
    await fc.assert(
      fc.asyncProperty(
        targetArb('placeholder:'),
        fc.constantFrom('json' as const, 'raw' as const),
        fc.array(fc.array(rowArb, { maxLength: 25 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 20 }),
        async (generated, format, writes, batchSize) => {
          // A fresh prefix per execution (shrinking included), so no run sees another's keys.
          const prefix = `m${++run}:`;
          const target: Target =
            generated.type === 'string'
              ? { ...generated, keyPrefix: prefix }
              : generated.type === 'list'
                ? { ...generated, listPrefix: prefix }
                : { ...generated, hashKeyPrefix: prefix };
          const t = table(target, {
            format,
            schema: SCHEMA,
            valueColumn: format === 'raw' ? 'v' : undefined,
            onError: 'skip',
            batchSize,
          });
          const s = await sinkOn(redis.server.url, t);
          const model: Model = { strings: new Map(), lists: new Map(), hashes: new Map() };
          for (const rows of writes) await s.write(rows);
          await s.flush();
          await s.close();
          // With ttl the value never depends on write order, so one model pass over all rows suffices.
          applyModel(model, t, writes.flat());
          expect(await redisState(prefix)).toEqual(model);
        },
      ),
      { numRuns: 120 },
    );
  });
});
