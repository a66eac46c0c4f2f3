/**
 * Bad per-row values of the new targets — scores, increments, key template columns, TTL columns —
 * follow the table's `onError` with a reason that names the column: `skip` leaves the row out and
 * logs why, `dead_letter` keeps it in the dead-letter list with the reason, `fail` stops the sink
 * with a BadRowError. The good rows around a bad one are written as if it had never been there.
 */
import { describe, expect, it } from 'vitest';
import { BadRowError } from '../../src/sink/errors.js';
import type { OnError, Target } from '../../src/sink/model.js';
import type { Row } from '../../src/sink/row-encoder.js';
import { useRedis } from '../support/fixtures.js';
import { scanKeys } from '../support/read-back.js';
import { recordingLogger, sinkOn, table } from '../support/sink.js';

type Values = Record<string, unknown>;

interface Family {
  /** The table's target, its keys under prefix `p`. */
  target(p: string): Target;
  /** Two good rows, written before and after the bad one. */
  good: [Values, Values];
  /** What Redis holds under `p` (read back), and what it must hold after `goods` alone. */
  read(redis: ReturnType<typeof useRedis>, p: string): Promise<unknown>;
  want(p: string, goods: Values[]): unknown;
}

interface Case {
  what: string;
  family: Family;
  bad: Values;
  /** The column the reason must name. */
  column: string;
  /** What the reason must say about it. */
  says: RegExp;
}

const redis = useRedis();

/** `{member: score}` of a sorted set; RESP3 answers pairs, RESP2 a flat list. */
async function zscores(key: string): Promise<Record<string, string>> {
  const r = (await redis.client.send(['ZRANGE', key, 0, -1, 'WITHSCORES'])) as unknown[];
  const out: Record<string, string> = {};
  if (r.length > 0 && Array.isArray(r[0])) for (const [m, s] of r as [string, unknown][]) out[m] = String(s);
  else for (let i = 0; i < r.length; i += 2) out[String(r[i])] = String(r[i + 1]);
  return out;
}

/** Every key under `p` (the dead-letter list excepted), with whether it has a TTL. */
async function keysWithTtl(p: string): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const k of (await scanKeys(redis.client, `${p}*`, 100)).sort()) {
    if (k.endsWith(':dead')) continue;
    out[k] = Number(await redis.client.send(['TTL', k])) > 0;
  }
  return out;
}

const sortedSet: Family = {
  target: (p) => ({
    type: 'sorted_set',
    sortedSetPrefix: p,
    sortedSetKeyColumn: 'k',
    scoreColumn: 'score',
    memberColumn: 'm',
  }),
  good: [
    { k: 'a', m: 'x', score: 1.5 },
    { k: 'a', m: 'y', score: -2 },
  ],
  read: (_r, p) => zscores(`${p}a`),
  want: (_p, goods) => Object.fromEntries(goods.map((g) => [g.m, String(g.score)])),
};

const counter: Family = {
  target: (p) => ({ type: 'counter', counterPrefix: p, counterKeyColumn: 'k', incrementColumn: 'n' }),
  good: [
    { k: 'a', n: 2 },
    { k: 'a', n: 40 },
  ],
  read: (r, p) => r.client.send(['GET', `${p}a`]),
  want: (_p, goods) => String(goods.reduce((s, g) => s + (g.n as number), 0)),
};

const hashCounter: Family = {
  target: (p) => ({
    type: 'hash_counter',
    hashCounterPrefix: p,
    hashCounterKeyColumn: 'k',
    hashCounterFieldColumn: 'f',
    incrementColumn: 'n',
  }),
  good: [
    { k: 'a', f: 'x', n: 2 },
    { k: 'a', f: 'x', n: 5 },
  ],
  read: (r, p) => r.client.send(['HGET', `${p}a`, 'x']),
  want: (_p, goods) => String(goods.reduce((s, g) => s + (g.n as number), 0)),
};

const template: Family = {
  target: (p) => ({ type: 'set', keyTemplate: `${p}{{{user}}}:{region}`, memberColumn: 'item' }),
  good: [
    { user: 'u1', region: 'eu', item: 'i1' },
    { user: 'u2', region: 'us', item: 'i2' },
  ],
  read: (_r, p) => keysWithTtl(p),
  want: (p, goods) => Object.fromEntries(goods.map((g) => [`${p}{${g.user}}:${g.region}`, false])),
};

const ttlSeconds: Family = {
  target: (p) => ({ type: 'string', keyPrefix: p, keyColumn: 'k', ttlColumn: 'ttl' }),
  good: [
    { k: 'a', ttl: 100 },
    { k: 'c', ttl: '300' },
  ],
  read: (_r, p) => keysWithTtl(p),
  want: (p, goods) => Object.fromEntries(goods.map((g) => [`${p}${g.k}`, true])),
};

const later = () => new Date(Date.now() + 3_600_000);
const ttlTimestamp: Family = {
  target: (p) => ({
    type: 'hash',
    hashKeyPrefix: p,
    hashKeyColumn: 'k',
    hashLayout: 'columns',
    ttlColumn: 'until',
    ttlKind: 'timestamp',
  }),
  good: [
    { k: 'a', until: later(), v: 1 },
    { k: 'c', until: later().toISOString(), v: 2 },
  ],
  read: (_r, p) => keysWithTtl(p),
  want: (p, goods) => Object.fromEntries(goods.map((g) => [`${p}${g.k}`, true])),
};

const past = Date.now() - 60_000;
const CASES: Case[] = [
  {
    what: 'non-numeric score',
    family: sortedSet,
    bad: { k: 'a', m: 'z', score: 'high' },
    column: 'score',
    says: /holds text that is not a finite number/,
  },
  {
    what: 'NaN score',
    family: sortedSet,
    bad: { k: 'a', m: 'z', score: Number.NaN },
    column: 'score',
    says: /is NaN/,
  },
  {
    what: 'Infinity score',
    family: sortedSet,
    bad: { k: 'a', m: 'z', score: Number.POSITIVE_INFINITY },
    column: 'score',
    says: /is not finite/,
  },
  {
    what: "'Infinity' as a score's text",
    family: sortedSet,
    bad: { k: 'a', m: 'z', score: 'inf' },
    column: 'score',
    says: /not a finite number/,
  },
  {
    what: 'null score',
    family: sortedSet,
    bad: { k: 'a', m: 'z', score: null },
    column: 'score',
    says: /is null/,
  },
  {
    what: 'non-integer increment',
    family: counter,
    bad: { k: 'a', n: 1.5 },
    column: 'n',
    says: /not an integer Redis can hold/,
  },
  {
    what: 'non-integer increment as text',
    family: counter,
    bad: { k: 'a', n: '2.5' },
    column: 'n',
    says: /holds text that is not an integer/,
  },
  {
    what: 'increment beyond int64 (bigint)',
    family: counter,
    bad: { k: 'a', n: 2n ** 63n },
    column: 'n',
    says: /signed 64-bit/,
  },
  {
    what: 'increment beyond int64 (text)',
    family: counter,
    bad: { k: 'a', n: '-9223372036854775809' },
    column: 'n',
    says: /signed 64-bit/,
  },
  {
    what: 'increment beyond safe integers (number)',
    family: counter,
    bad: { k: 'a', n: 2 ** 63 },
    column: 'n',
    says: /signed 64-bit/,
  },
  {
    what: 'non-integer hash counter increment',
    family: hashCounter,
    bad: { k: 'a', f: 'x', n: 0.1 },
    column: 'n',
    says: /not an integer/,
  },
  {
    what: 'template column null',
    family: template,
    bad: { user: 'u3', region: null, item: 'i3' },
    column: 'region',
    says: /is null/,
  },
  {
    what: 'template column missing',
    family: template,
    bad: { user: 'u3', item: 'i3' },
    column: 'region',
    says: /is missing/,
  },
  {
    what: 'template column empty',
    family: template,
    bad: { user: '', region: 'eu', item: 'i3' },
    column: 'user',
    says: /is empty/,
  },
  {
    what: 'TTL negative',
    family: ttlSeconds,
    bad: { k: 'b', ttl: -5 },
    column: 'ttl',
    says: /is not positive/,
  },
  { what: 'TTL zero', family: ttlSeconds, bad: { k: 'b', ttl: 0 }, column: 'ttl', says: /is not positive/ },
  {
    what: 'TTL non-numeric',
    family: ttlSeconds,
    bad: { k: 'b', ttl: 'soon' },
    column: 'ttl',
    says: /not a whole number of seconds/,
  },
  {
    what: 'TTL fractional',
    family: ttlSeconds,
    bad: { k: 'b', ttl: 1.5 },
    column: 'ttl',
    says: /not a whole number of seconds/,
  },
  { what: 'TTL null', family: ttlSeconds, bad: { k: 'b', ttl: null }, column: 'ttl', says: /is null/ },
  {
    what: 'TTL timestamp in the past (Date)',
    family: ttlTimestamp,
    bad: { k: 'b', until: new Date(past), v: 3 },
    column: 'until',
    says: /is in the past/,
  },
  {
    what: 'TTL timestamp in the past (ISO text)',
    family: ttlTimestamp,
    bad: { k: 'b', until: new Date(past).toISOString(), v: 3 },
    column: 'until',
    says: /is in the past/,
  },
  {
    what: 'TTL timestamp in the past (epoch ms)',
    family: ttlTimestamp,
    bad: { k: 'b', until: past, v: 3 },
    column: 'until',
    says: /is in the past/,
  },
  {
    what: 'TTL timestamp not a time',
    family: ttlTimestamp,
    bad: { k: 'b', until: 'tomorrow-ish', v: 3 },
    column: 'until',
    says: /is not a time/,
  },
];

let run = 0;

function expectReason(reason: string, c: Case): void {
  expect(reason).toContain(`'${c.column}'`);
  expect(reason).toMatch(c.says);
}

async function write(
  c: Case,
  onError: OnError,
  delivery: 'at_least_once' | 'exactly_once',
): Promise<{ p: string; error: unknown; lines: string[] }> {
  const p = `br${++run}:`;
  const { logger, lines } = recordingLogger();
  const t = table(c.family.target(p), { onError, delivery, deadLetterKey: `${p}dead`, name: `bad_${run}` });
  const s = await sinkOn(redis.server.url, t, undefined, logger);
  const rows: Row[] = [c.family.good[0], c.bad, c.family.good[1]];
  let error: unknown = null;
  try {
    await s.write(rows, { partition: 'p0', offsets: [0, 1, 2] });
  } catch (e) {
    error = e;
  }
  await s.close().catch((e: unknown) => {
    error ??= e;
  });
  return { p, error, lines };
}

describe('bad rows of the new targets follow onError with a reason naming the column', () => {
  for (const delivery of ['at_least_once', 'exactly_once'] as const) {
    describe(delivery, () => {
      it.each(CASES)(
        'skip — $what: the row is left out, the others written, the reason logged',
        async (c) => {
          const { p, error, lines } = await write(c, 'skip', delivery);
          expect(error).toBeNull();
          expect(await c.family.read(redis, p)).toEqual(c.family.want(p, c.family.good));
          const logged = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string; index?: number });
          const skipped = logged.filter((l) => l.msg === 'bad row skipped');
          expect(skipped).toHaveLength(1);
          expect(skipped[0].index).toBe(1);
          expectReason(skipped[0].reason!, c);
        },
      );

      it.each(CASES)('dead_letter — $what: the row and its reason are in the dead-letter list', async (c) => {
        const { p, error } = await write(c, 'dead_letter', delivery);
        expect(error).toBeNull();
        expect(await c.family.read(redis, p)).toEqual(c.family.want(p, c.family.good));
        const dead = (await redis.client.send(['LRANGE', `${p}dead`, 0, -1])) as string[];
        expect(dead).toHaveLength(1);
        const entry = JSON.parse(dead[0]) as { table: string; reason: string; row: Values };
        expect(entry.table).toBe(`bad_${run}`);
        expectReason(entry.reason, c);
        // The row as written, as far as JSON keeps it.
        for (const [k, v] of Object.entries(c.bad)) {
          if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
            expect(entry.row[k]).toEqual(v);
        }
      });

      it.each(CASES)('fail — $what: BadRowError with the reason; rows before it are written', async (c) => {
        const { p, error } = await write(c, 'fail', delivery);
        expect(error).toBeInstanceOf(BadRowError);
        const err = error as BadRowError;
        expect(err.code).toBe('ERR_BAD_ROW');
        expect(err.table).toBe(`bad_${run}`);
        expectReason(err.reason, c);
        expect(err.message).toContain(err.reason);
        expect(await c.family.read(redis, p)).toEqual(c.family.want(p, [c.family.good[0]]));
      });
    });
  }
});
