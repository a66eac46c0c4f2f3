import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { SinkTable, Target } from '../../src/sink/model.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

/** Rows with positions 0..n-1 of one partition. */
function at(n: number, from = 0): { partition: string; offsets: number[] } {
  return { partition: 'p0', offsets: Array.from({ length: n }, (_, i) => from + i) };
}

describe('every target on standalone Redis, both delivery paths', () => {
  const redis = useRedis();
  let run = 0;
  const prefix = () => `tg${++run}:`;

  async function write(t: SinkTable, rows: object[], positions?: { partition: string; offsets: number[] }) {
    const s = await sinkOn(redis.server.url, t);
    await s.write(rows, positions);
    await s.close();
    return s.stats;
  }

  for (const delivery of ['at_least_once', 'exactly_once'] as const) {
    it(`sorted set — replace, increment, greater and top N (${delivery})`, async () => {
      const p = prefix();
      const rows = [
        { board: 'a', player: 'x', score: 5 },
        { board: 'a', player: 'y', score: 7 },
        { board: 'a', player: 'x', score: 3 },
        { board: 'a', player: 'z', score: 1 },
      ];
      const modes = [
        ['replace', { x: '3', y: '7', z: '1' }],
        ['increment', { x: '8', y: '7', z: '1' }],
        ['greater', { x: '5', y: '7', z: '1' }],
        ['lesser', { x: '3', y: '7', z: '1' }],
      ] as const;
      for (const [mode, want] of modes) {
        const target: Target = {
          type: 'sorted_set',
          sortedSetPrefix: `${p}${mode}:`,
          sortedSetKeyColumn: 'board',
          scoreColumn: 'score',
          memberColumn: 'player',
          ...(mode === 'replace' ? {} : { scoreMode: mode }),
        };
        await write(table(target, { delivery }), rows, at(rows.length));
        const got = (await redis.client.send(['ZRANGE', `${p}${mode}:a`, 0, -1, 'WITHSCORES'])) as unknown[];
        expect(Object.fromEntries(pairs(got))).toEqual(want);
      }
      const top: Target = {
        type: 'sorted_set',
        sortedSetPrefix: `${p}top:`,
        scoreColumn: 'score',
        memberColumn: 'player',
        maxMembers: 2,
      };
      await write(table(top, { delivery }), rows, at(rows.length));
      // The last scores are x 3, y 7, z 1: the two highest stay.
      expect(await redis.client.send(['ZRANGE', `${p}top:`, 0, -1])).toEqual(['x', 'y']);
    });

    it(`set, counters, stream, hash columns (${delivery})`, async () => {
      const p = prefix();
      const rows = [
        { k: 'a', f: 'f1', n: 2, v: 'one', extra: null },
        { k: 'a', f: 'f2', n: 3, v: 'two', extra: 'e' },
        { k: 'b', f: 'f1', n: -1, v: 'one', extra: null },
        { k: 'a', f: 'f1', n: 10, v: 'one', extra: 'x' },
      ];
      await write(
        table({ type: 'set', setPrefix: `${p}s:`, setKeyColumn: 'k', memberColumn: 'v' }, { delivery }),
        rows,
        at(4),
      );
      expect([...((await redis.client.send(['SMEMBERS', `${p}s:a`])) as Set<string>)].sort()).toEqual([
        'one',
        'two',
      ]);
      await write(
        table(
          { type: 'counter', counterPrefix: `${p}c:`, counterKeyColumn: 'k', incrementColumn: 'n' },
          { delivery },
        ),
        rows,
        at(4),
      );
      expect(await redis.client.send(['GET', `${p}c:a`])).toBe('15');
      expect(await redis.client.send(['GET', `${p}c:b`])).toBe('-1');
      await write(
        table(
          {
            type: 'hash_counter',
            hashCounterPrefix: `${p}hc:`,
            hashCounterKeyColumn: 'k',
            hashCounterFieldColumn: 'f',
            incrementColumn: 'n',
            counterKind: 'float',
          },
          { delivery },
        ),
        rows,
        at(4),
      );
      expect(await redis.client.send(['HGET', `${p}hc:a`, 'f1'])).toBe('12');
      await write(
        table(
          { type: 'stream', streamPrefix: `${p}x:`, streamKeyColumn: 'k', streamLayout: 'columns' },
          { delivery },
        ),
        rows,
        at(4),
      );
      const entries = (await redis.client.send(['XRANGE', `${p}x:a`, '-', '+'])) as [string, string[]][];
      expect(entries.map((e) => e[1])).toEqual([
        ['f', 'f1', 'n', '2', 'v', 'one'],
        ['f', 'f2', 'n', '3', 'v', 'two', 'extra', 'e'],
        ['f', 'f1', 'n', '10', 'v', 'one', 'extra', 'x'],
      ]);
      await write(
        table(
          {
            type: 'hash',
            hashKeyPrefix: `${p}h:`,
            hashKeyColumn: 'k',
            hashLayout: 'columns',
            hashNulls: 'delete',
            ttlSecs: 500,
          },
          { delivery },
        ),
        rows,
        at(4),
      );
      expect(await redis.client.send(['HGETALL', `${p}h:b`])).toEqual(
        new Map([
          ['f', 'f1'],
          ['n', '-1'],
          ['v', 'one'],
        ]),
      );
      expect(await redis.client.send(['HGETALL', `${p}h:a`])).toEqual(
        new Map([
          ['f', 'f1'],
          ['n', '10'],
          ['v', 'one'],
          ['extra', 'x'],
        ]),
      );
      expect(Number(await redis.client.send(['TTL', `${p}h:a`]))).toBeGreaterThan(400);
    });

    it(`key templates and per-row TTLs (${delivery})`, async () => {
      const p = prefix();
      const later = new Date(Date.now() + 3_600_000);
      const rows = [
        { user: 'u1', region: 'eu', item: 'i1', ttl: 100, until: later },
        { user: 'u1', region: 'eu', item: 'i2', ttl: 200, until: later },
      ];
      await write(
        table(
          { type: 'list', keyTemplate: `${p}{{{user}}}:{region}`, operation: 'Append', ttlColumn: 'ttl' },
          { delivery, format: 'raw', valueColumn: 'item' },
        ),
        rows,
        at(2),
      );
      const key = `${p}{u1}:eu`;
      expect(await redis.client.send(['LRANGE', key, 0, -1])).toEqual(['i1', 'i2']);
      const ttl = Number(await redis.client.send(['TTL', key]));
      expect(ttl).toBeGreaterThan(150);
      expect(ttl).toBeLessThanOrEqual(200);
      await write(
        table(
          { type: 'string', keyTemplate: `${p}s:{user}:{item}`, ttlColumn: 'until', ttlKind: 'timestamp' },
          { delivery },
        ),
        rows,
        at(2),
      );
      expect(Number(await redis.client.send(['PEXPIRETIME', `${p}s:u1:i2`]))).toBe(later.getTime());
    });
  }

  it('pub/sub — each row is published once, with an id from its source position', async () => {
    const p = prefix();
    // A bare RESP2 subscriber: the project's client answers commands, not subscriptions.
    const sock = net.connect(redis.server.port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('utf8');
    });
    const channel = `${p}ch:a`;
    sock.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`);
    await expect.poll(() => got.includes('subscribe')).toBe(true);
    await write(
      table({ type: 'pubsub', channelPrefix: `${p}ch:`, channelColumn: 'k', messageIdField: '_id' }),
      [
        { k: 'a', v: 1 },
        { k: 'a', v: 2 },
      ],
      at(2, 10),
    );
    await expect.poll(() => got.split('\r\nmessage\r\n').length - 1).toBe(2);
    expect(got).toContain('{"_id":"p0:10","k":"a","v":1}');
    expect(got).toContain('{"_id":"p0:11","k":"a","v":2}');
    sock.destroy();
  });
});

function pairs(flat: unknown[]): [string, string][] {
  if (flat.length > 0 && Array.isArray(flat[0]))
    return (flat as [string, unknown][]).map(([m, s]) => [m, String(s)]);
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([String(flat[i]), String(flat[i + 1])]);
  return out;
}
