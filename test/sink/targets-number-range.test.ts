/**
 * Per-row numbers that look fine but that Redis refuses (which would fail the whole sink with a
 * SinkWriteError): each is a bad row instead, and follows the table's onError:
 * - a score (ZADD) or float increment (INCRBYFLOAT) whose text underflows to zero: '1e-400' is
 *   "finite" for Number() (0), but Redis's strtod/strtold reports ERANGE and answers
 *   "ERR value is not a valid float";
 * - a TTL timestamp beyond what Redis holds (signed 64-bit milliseconds): 1e20 as a number (sent
 *   as text Redis cannot read as an integer), '99999999999999999999' as text, 2n ** 70n: "in the
 *   future", so accepted, and Redis answers "ERR value is not an integer or out of range".
 */
import { describe, expect, it } from 'vitest';
import { BadRowError } from '../../src/sink/errors.js';
import type { Target } from '../../src/sink/model.js';
import { useRedis } from '../support/fixtures.js';
import { recordingLogger, sinkOn, table } from '../support/sink.js';

const redis = useRedis();
let run = 0;

interface Case {
  what: string;
  target: (p: string) => Target;
  good: object;
  bad: object;
  column: string;
}

const CASES: Case[] = [
  {
    what: "a score whose text underflows to zero ('1e-400')",
    target: (p) => ({ type: 'sorted_set', sortedSetPrefix: p, scoreColumn: 's', memberColumn: 'm' }),
    good: { s: 1, m: 'x' },
    bad: { s: '1e-400', m: 'y' },
    column: 's',
  },
  {
    what: "a float increment whose text underflows to zero ('1e-5000')",
    target: (p) => ({ type: 'counter', counterPrefix: p, incrementColumn: 's', counterKind: 'float' }),
    good: { s: 1.5 },
    bad: { s: '1e-5000' },
    column: 's',
  },
  {
    what: 'a TTL timestamp past signed 64-bit milliseconds (number 1e20), SET PXAT',
    target: (p) => ({ type: 'string', keyPrefix: p, keyColumn: 'k', ttlColumn: 'u', ttlKind: 'timestamp' }),
    good: { k: 'a', u: Date.now() + 3_600_000 },
    bad: { k: 'b', u: 1e20 },
    column: 'u',
  },
  {
    what: "a TTL timestamp past signed 64-bit milliseconds (text '99999999999999999999')",
    target: (p) => ({ type: 'string', keyPrefix: p, keyColumn: 'k', ttlColumn: 'u', ttlKind: 'timestamp' }),
    good: { k: 'a', u: Date.now() + 3_600_000 },
    bad: { k: 'b', u: '99999999999999999999' },
    column: 'u',
  },
  {
    what: 'a TTL timestamp past signed 64-bit milliseconds (bigint), PEXPIREAT',
    target: (p) => ({
      type: 'set',
      setPrefix: p,
      setKeyColumn: 'k',
      memberColumn: 'm',
      ttlColumn: 'u',
      ttlKind: 'timestamp',
    }),
    good: { k: 'a', m: 'x', u: Date.now() + 3_600_000 },
    bad: { k: 'b', m: 'y', u: 2n ** 70n },
    column: 'u',
  },
];

describe('numbers Redis refuses are bad rows, not a failed sink', () => {
  it.each(CASES)('skip — $what', async (c) => {
    const p = `pn${++run}:`;
    const { logger, lines } = recordingLogger();
    const s = await sinkOn(redis.server.url, table(c.target(p), { onError: 'skip' }), undefined, logger);
    await s.write([c.good, c.bad]);
    await expect(s.flush()).resolves.toBeUndefined();
    await s.close();
    expect(s.stats.rowsSkipped).toBe(1);
    const reasons = lines.map((l) => JSON.parse(l) as { reason?: string }).flatMap((l) => l.reason ?? []);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain(`'${c.column}'`);
  });

  it.each(CASES)('fail — $what: BadRowError naming the column', async (c) => {
    const p = `pn${++run}:`;
    const s = await sinkOn(redis.server.url, table(c.target(p), { onError: 'fail' }));
    const err = await s.write([c.good, c.bad]).catch((e: unknown) => e);
    await s.close().catch(() => {});
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).reason).toContain(`'${c.column}'`);
  });
});
