import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { negated } from '../../src/sink/changelog.js';
import { validateTable } from '../../src/sink/config/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { Target } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { rowPipeline } from '../../src/sink/row-pipeline.js';
import { SumPipeline, sumPipeline } from '../../src/sink/sum-pipeline.js';
import { IntegerSum } from '../../src/sink/writers/sum.js';
import { useRedis } from '../support/fixtures.js';
import { respReference } from '../support/resp-reference.js';
import { arrayFlush, expectFlush, feedPipeline, table } from '../support/sink.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const ttlArb = fc.record({
  ttlSecs: fc.option(fc.integer({ min: 1, max: 9999 }), { nil: undefined }),
  ttlRefresh: fc.constantFrom(undefined, 'always' as const, 'on_create' as const),
});

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc
    .tuple(fc.constantFrom('', 'c:'), fc.constantFrom(undefined, 'integer' as const), ttlArb)
    .map(([counterPrefix, counterKind, ttl]) => ({
      type: 'counter' as const,
      counterPrefix,
      counterKeyColumn: 'k',
      incrementColumn: 'v',
      ...(counterKind === undefined ? {} : { counterKind }),
      ...ttl,
    })),
  fc.tuple(fc.constantFrom('', 'h:'), ttlArb).map(([hashCounterPrefix, ttl]) => ({
    type: 'hash_counter' as const,
    hashCounterPrefix,
    hashCounterKeyColumn: 'k',
    hashCounterFieldColumn: 'f',
    incrementColumn: 'v',
    ...ttl,
  })),
);

/** Key and field parts that repeat: text, bytes that are UTF-8 text, bytes that are not. */
const part = fc.oneof(
  fc.constantFrom('a', 'b', 'é', '{x}'),
  fc.constantFrom(Buffer.from('a'), Buffer.from([0xff, 0x01])),
);

/** Increments: small ones, ones near 2^53, and any signed 64-bit integer, as numbers or bigints. */
const increment = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(2 ** 53 - 1, -(2 ** 53 - 1), 999_999_999_999_999, -99_999_999_999_999),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(INT64_MIN, INT64_MAX, 2n ** 53n, -(2n ** 53n) - 1n),
  fc.maxSafeInteger(),
);

describe('sum pipeline (integer counters and hash counters on standalone Redis)', () => {
  it('sum pipeline — rows, rows of bytes and payload rows encode as the commands the writer makes from arrays, byte for byte, flush after flush (property)', () => {
    fc.assert(
      fc.property(
        targetArb,
        fc.array(fc.tuple(part, part, increment, fc.boolean(), fc.constantFrom('row', 'payload', 'bytes')), {
          maxLength: 60,
        }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
        (target, rows, dead) => {
          const pipe = sumPipeline(target)!;
          expect(pipe).not.toBeNull();
          const withField = target.type === 'hash_counter';
          const enc = new RowEncoder(table(target));
          const { batch, payloads, want, wantBytes } = arrayFlush(
            target,
            enc,
            rows.map(([k, f, v, , how]) => [{ k, f, v }, how] as const),
            withField,
            dead,
            // A retraction adds the increment negated (changelog-rows.ts): -INT64_MIN is past 64 bits.
            (e, i) => {
              if (rows[i][3]) e.value = negated(e.value);
            },
          );
          const as = rows.map((r) => r[4]);
          for (let flush = 0; flush < 2; flush++) {
            const got = feedPipeline(pipe, batch, as, payloads, withField, dead);
            expectFlush(got, want, wantBytes);
          }
          expect(pipe.take()).toMatchObject({ chunks: [], count: 0 });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('integer sum — increments read from bytes sum as the same texts do (property)', () => {
    const text = fc.oneof(
      fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map(String),
      fc
        .tuple(fc.constantFrom('', '+', '-', '-0', '00'), fc.stringMatching(/^[0-9]{0,17}$/))
        .map(([a, b]) => a + b),
      fc.constantFrom('-', '+', '1.5', '1e3', ' 7', 'x'),
    );
    const sumOf = (vs: readonly string[], bytes: boolean): string => {
      const sum = new IntegerSum();
      try {
        for (const v of vs) {
          if (bytes) sum.addBytes(Buffer.from(`#${v}#`, 'latin1'), 1, v.length + 1);
          else sum.add(v);
        }
        return sum.text();
      } catch (err) {
        return `throws ${(err as Error).name}`;
      }
    };
    fc.assert(
      fc.property(fc.array(text, { maxLength: 8 }), (vs) => {
        expect(sumOf(vs, true)).toBe(sumOf(vs, false));
        const exact = vs.every((v) => /^[+-]?[0-9]+$/.test(v));
        if (exact) expect(sumOf(vs, false)).toBe(String(vs.reduce((a, v) => a + BigInt(v), 0n)));
      }),
      { numRuns: 2000 },
    );
  });

  it('sum pipeline — a sum past 2^53 and back stays exact; one past 64 bits is sent as it is', () => {
    const pipe = sumPipeline({ type: 'counter', counterPrefix: 'c', incrementColumn: 'v' })!;
    const big = String(2 ** 53 - 1);
    for (let i = 0; i < 5; i++) pipe.add('a', '', big);
    for (let i = 0; i < 4; i++) pipe.add('a', '', `-${big}`);
    pipe.add('a', '', '1');
    pipe.add('b', '', String(INT64_MAX));
    pipe.add('b', '', '1');
    pipe.add('b', '', String(INT64_MAX));
    pipe.add('b', '', '-9223372036854775807');
    const got = Buffer.concat(pipe.take().chunks as Buffer[]);
    expect(got).toEqual(
      respReference([
        ['INCRBY', 'a', String(2n ** 53n)],
        ['INCRBY', 'b', String(INT64_MAX + 1n)],
      ]),
    );
  });

  it('sum pipeline — integer kinds take it; float kinds and per-row TTLs keep their rows until the flush; removals are refused', () => {
    expect(
      rowPipeline({ type: 'counter', counterPrefix: 'c', incrementColumn: 'v', ttlSecs: 5 }),
    ).toBeInstanceOf(SumPipeline);
    expect(
      rowPipeline({
        type: 'hash_counter',
        hashCounterPrefix: 'h',
        hashCounterFieldColumn: 'f',
        incrementColumn: 'v',
      }),
    ).toBeInstanceOf(SumPipeline);
    expect(
      rowPipeline({ type: 'counter', counterPrefix: 'c', incrementColumn: 'v', counterKind: 'float' }),
    ).toBeNull();
    expect(
      sumPipeline({ type: 'counter', counterPrefix: 'c', incrementColumn: 'v', counterKind: 'float' }),
    ).toBeNull();
    expect(
      sumPipeline({
        type: 'hash_counter',
        hashCounterPrefix: 'h',
        hashCounterFieldColumn: 'f',
        incrementColumn: 'v',
        ttlColumn: 'ttl',
      }),
    ).toBeNull();
    const pipe = sumPipeline({ type: 'counter', counterPrefix: 'c', incrementColumn: 'v' })!;
    expect(() => pipe.addRemove('c', '', '')).toThrow('INCRBY rows cannot be removed');
  });

  describe('on a real server', () => {
    const redis = useRedis();
    let run = 0;

    for (const type of ['counter', 'hash_counter'] as const) {
      it(`sum pipeline — ${type}: through createSink, Redis holds the exact sums, flush after flush`, async () => {
        const p = `sum${++run}:`;
        const target: Target =
          type === 'counter'
            ? { type, counterPrefix: p, counterKeyColumn: 'k', incrementColumn: 'v', ttlSecs: 500 }
            : {
                type,
                hashCounterPrefix: p,
                hashCounterKeyColumn: 'k',
                hashCounterFieldColumn: 'f',
                incrementColumn: 'v',
                ttlSecs: 500,
              };
        const model = validateTable(
          table(target, {
            name: `sum_${run}`,
            profile: { name: 'p', connection: { kind: 'standalone', address: redis.server.url } },
            batchSize: 97,
          }),
        );
        const sink = await createSink({ model }, { logger: pino({ level: 'silent' }) });
        const want = new Map<string, bigint>();
        const rows: { k: string; f: string; v: bigint | number }[] = [];
        for (let i = 0; i < 2000; i++) {
          const k = `k${i % 7}`;
          const f = `f${i % 3}`;
          // Large increments that cancel out within a key, past 2^53 on the way.
          const v = i % 5 === 0 ? (i % 10 === 0 ? 2n ** 60n : -(2n ** 60n)) : (i % 13) - 6;
          rows.push({ k, f, v });
          const id = type === 'counter' ? k : `${k}/${f}`;
          want.set(id, (want.get(id) ?? 0n) + BigInt(v));
        }
        for (let at = 0; at < rows.length; at += 250) {
          await sink.write(rows.slice(at, at + 250));
          await sink.flush();
        }
        await sink.close();
        for (const [id, sum] of want) {
          const [k, f] = id.split('/');
          const got =
            type === 'counter'
              ? await redis.client.send(['GET', `${p}${k}`])
              : await redis.client.send(['HGET', `${p}${k}`, f]);
          expect(String(got), id).toBe(String(sum));
        }
        const ttl = Number(await redis.client.send(['TTL', `${p}k0`]));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(500);
      });
    }
  });
});
