import { describe, expect, it } from 'vitest';
import { BadRowError, SinkWriteError } from '../../src/sink/errors.js';
import { useRedis } from '../support/fixtures.js';
import { recordingLogger, sinkOn, table } from '../support/sink.js';

const redis = useRedis();

describe('sink writers', () => {
  it('sink — string table: SET prefix+key with the row as JSON and EX ttl', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'string', keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 },
        {
          schema: [
            { name: 'session_id', type: 'TEXT', nullable: false },
            { name: 'n', type: 'BIGINT', nullable: true },
            { name: 'at', type: 'TIMESTAMP', nullable: true },
          ],
        },
      ),
    );
    await s.write([
      { session_id: 'a', n: 2n ** 60n, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) },
      { session_id: 7, n: 5, extra: 'not in schema' },
    ]);
    await s.flush();
    expect(await redis.client.send(['GET', 'session:a'])).toBe(
      '{"session_id":"a","n":"1152921504606846976","at":"2026-01-02T03:04:05.000Z"}',
    );
    expect(await redis.client.send(['GET', 'session:7'])).toBe('{"session_id":7,"n":5,"at":null}');
    const ttl = (await redis.client.send(['TTL', 'session:a'])) as number;
    expect(ttl).toBeGreaterThan(3500);
    expect(s.stats.rowsWritten).toBe(2);
    await s.close();
  });

  it('sink — list Append keeps input order and trims to maxLength once per flush', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'list', listPrefix: 'ev:', listKeyColumn: 'k', operation: 'Append', maxLength: 5 },
        { format: 'raw', valueColumn: 'v' },
      ),
    );
    const rows = Array.from({ length: 12 }, (_, i) => ({ k: i % 2 === 0 ? 'even' : 'odd', v: `e${i}` }));
    await s.write(rows);
    await s.flush();
    expect(await redis.client.send(['LRANGE', 'ev:even', 0, -1])).toEqual(['e2', 'e4', 'e6', 'e8', 'e10']);
    expect(await redis.client.send(['LRANGE', 'ev:odd', 0, -1])).toEqual(['e3', 'e5', 'e7', 'e9', 'e11']);
    await s.close();
  });

  it('sink — list Prepend keeps the newest first, capped', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'list', listPrefix: 'lb:', operation: 'Prepend', maxLength: 3 },
        { format: 'raw', valueColumn: 'v', batchSize: 2 },
      ),
    );
    await s.write([{ v: 'a' }, { v: 'b' }, { v: 'c' }, { v: 'd' }, { v: 'e' }]);
    await s.flush();
    expect(await redis.client.send(['LRANGE', 'lb:', 0, -1])).toEqual(['e', 'd', 'c']);
    await s.close();
  });

  it('sink — hash table: HSET prefix+key field value, last value of a field wins', async () => {
    const s = await sinkOn(
      redis.server.url,
      table(
        { type: 'hash', hashKeyPrefix: 'stock:', hashKeyColumn: 'w', hashFieldColumn: 'sku' },
        { format: 'raw', valueColumn: 'q' },
      ),
    );
    await s.write([
      { w: 'w1', sku: 'x', q: 1 },
      { w: 'w1', sku: 'y', q: 2 },
      { w: 'w2', sku: 'x', q: 3 },
      { w: 'w1', sku: 'x', q: 4 },
    ]);
    await s.flush();
    expect(await redis.client.send(['HGETALL', 'stock:w1'])).toEqual(
      new Map([
        ['x', '4'],
        ['y', '2'],
      ]),
    );
    expect(await redis.client.send(['HGETALL', 'stock:w2'])).toEqual(new Map([['x', '3']]));
    await s.close();
  });

  it('sink — binary raw values and keys are written byte for byte', async () => {
    const s = await sinkOn(
      redis.server.url,
      table({ type: 'string', keyPrefix: 'bin:', keyColumn: 'k' }, { format: 'raw', valueColumn: 'v' }),
    );
    const v = Buffer.from([0, 1, 2, 255, 13, 10]);
    await s.write([{ k: Buffer.from([0xff, 0x00]), v }]);
    await s.flush();
    const got = await redis.client.send(
      ['GET', Buffer.concat([Buffer.from('bin:'), Buffer.from([0xff, 0x00])])],
      {
        returnBuffers: true,
      },
    );
    expect((got as Buffer).equals(v)).toBe(true);
    await s.close();
  });
});

describe('sink bad rows', () => {
  const target = { type: 'string', keyPrefix: 'bad:', keyColumn: 'id' } as const;

  it('sink — fail: the bad row rejects with its position, earlier rows still land, the sink stays failed', async () => {
    const s = await sinkOn(redis.server.url, table(target, { name: 'users' }));
    const err = await s.write([{ id: 'ok1' }, { id: null }, { id: 'after' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).message).toMatch(/table 'users'.*row 1.*key column 'id' is null/);
    await expect(s.flush()).rejects.toBe(err);
    await expect(s.write([{ id: 'x' }])).rejects.toBe(err);
    expect(await redis.client.send(['EXISTS', 'bad:ok1'])).toBe(1);
    expect(await redis.client.send(['EXISTS', 'bad:after'])).toBe(0);
    expect(await redis.client.send(['EXISTS', 'bad:'])).toBe(0);
    await s.close().catch(() => {});
  });

  it('sink — skip: bad rows are counted and logged without their contents, never written as prefix+""', async () => {
    const { logger, lines } = recordingLogger();
    const s = await sinkOn(
      redis.server.url,
      table({ ...target, keyPrefix: 'skip:' }, { onError: 'skip' }),
      {},
      logger,
    );
    await s.write([
      { id: 'a', secret: 'row-secret-1' },
      { id: null, secret: 'row-secret-2' },
      { id: '', secret: 'row-secret-3' },
      { secret: 'x' },
      { id: 'b', n: Number.NaN },
    ]);
    await s.flush();
    expect(s.stats.rowsSkipped).toBe(4);
    expect(s.stats.rowsWritten).toBe(1);
    expect(await redis.client.send(['EXISTS', 'skip:'])).toBe(0);
    expect(await redis.client.send(['EXISTS', 'skip:b'])).toBe(0);
    expect(lines.length).toBe(4);
    expect(lines.join('\n')).not.toContain('row-secret');
    expect(lines[0]).toContain('key column');
    await s.close();
  });

  it('sink — dead_letter: bad rows go with their reason to the dead-letter list', async () => {
    const s = await sinkOn(
      redis.server.url,
      table({ ...target, keyPrefix: 'dl:' }, { name: 'orders', onError: 'dead_letter' }),
    );
    await s.write([{ id: 'good' }, { id: null, big: 2n ** 70n }, { id: 'x', bad: Number.POSITIVE_INFINITY }]);
    await s.flush();
    const dead = (await redis.client.send(['LRANGE', 'orders:dead_letter', 0, -1])) as string[];
    expect(dead.length).toBe(2);
    const first = JSON.parse(dead[0]);
    expect(first).toMatchObject({
      table: 'orders',
      reason: "key column 'id' is null",
      row: { id: null, big: String(2n ** 70n) },
    });
    expect(JSON.parse(dead[1]).reason).toMatch(/column 'bad' cannot be encoded/);
    expect(s.stats.rowsDeadLettered).toBe(2);
    expect(await redis.client.send(['EXISTS', 'dl:good'])).toBe(1);
    await s.close();
  });

  it('sink — a server error (WRONGTYPE) surfaces with the command and key, never as success', async () => {
    await redis.client.send(['RPUSH', 'wt:k', 'x']);
    const s = await sinkOn(
      redis.server.url,
      table({ type: 'hash', hashKeyPrefix: 'wt:', hashKeyColumn: 'id', hashFieldColumn: 'f' }),
    );
    await s.write([{ id: 'k', f: 'a' }]);
    const err = await s.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkWriteError);
    expect(err).toMatchObject({ command: 'HSET', key: 'wt:k', prefix: 'WRONGTYPE', code: 'ERR_SINK_WRITE' });
    expect(s.stats.rowsWritten).toBe(0);
    await expect(s.write([{ id: 'z', f: 'b' }])).rejects.toBe(err);
    await s.close().catch(() => {});
  });
});
