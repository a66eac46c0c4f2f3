import { describe, expect, it } from 'vitest';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

describe('values with no faithful form are bad rows', () => {
  const MAP_SET = /holds a Map or Set, which JSON would write as \{\}/;

  it('encoder — a Map or Set, in a column or anywhere inside one, is refused; an empty object is not', () => {
    const enc = new RowEncoder(table({ type: 'string', keyPrefix: 's:', keyColumn: 'id' }));
    const refused: unknown[] = [
      new Map([['a', 1]]),
      new Set([1, 2]),
      new Map(),
      { inner: new Map([['a', 1]]) },
      [1, new Set(['x'])],
      { deep: [{ deeper: new WeakMap() }] },
    ];
    for (const data of refused) expect(enc.encode({ id: 'x', data })).toMatch(MAP_SET);
    for (const data of [{}, [], [{}], { a: {} }, 'text {} with braces', { m: 'Map' }]) {
      expect(enc.encode({ id: 'x', data })).toBeNull();
      expect(JSON.parse(enc.value as string).data).toEqual(data);
    }
  });

  it('encoder — a Map or Set as key, field or raw value has no text form', () => {
    const hash = new RowEncoder(
      table(
        { type: 'hash', hashKeyPrefix: 'h:', hashKeyColumn: 'k', hashFieldColumn: 'f' },
        { format: 'raw', valueColumn: 'v' },
      ),
    );
    expect(hash.encode({ k: new Map([[1, 2]]), f: 'a', v: 'x' })).toMatch(
      /^key column 'k' holds a Map or Set/,
    );
    expect(hash.encode({ k: 'a', f: new Set(), v: 'x' })).toMatch(/^field column 'f' holds a Map or Set/);
    expect(hash.encode({ k: 'a', f: 'b', v: { m: new Map() } })).toMatch(
      /^value column 'v' holds a Map or Set/,
    );
  });

  it('encoder — a lone surrogate in a key, field or raw value is refused; a pair is text like any other', () => {
    const hash = new RowEncoder(
      table(
        { type: 'hash', hashKeyPrefix: 'h:', hashKeyColumn: 'k', hashFieldColumn: 'f' },
        { format: 'raw', valueColumn: 'v' },
      ),
    );
    const lone = /holds a lone surrogate/;
    // Both would be 'a\uFFFD' in UTF-8: one key for two ids.
    expect(hash.encode({ k: 'a\uD800', f: 'f', v: 'v' })).toMatch(/^key column 'k' holds a lone surrogate/);
    expect(hash.encode({ k: 'a\uDC00', f: 'f', v: 'v' })).toMatch(lone);
    // Seen again (the key cache must not let it through the second time).
    expect(hash.encode({ k: 'a\uD800', f: 'f', v: 'v' })).toMatch(lone);
    expect(hash.encode({ k: 'a', f: '\uDFFFb', v: 'v' })).toMatch(/^field column 'f' holds a lone surrogate/);
    expect(hash.encode({ k: 'a', f: 'b', v: 'x\uD83D' })).toMatch(/^value column 'v' holds a lone surrogate/);
    expect(hash.encode({ k: 'a\uD83D\uDE00', f: 'f', v: 'v' })).toBeNull();
    expect(hash.key).toBe('h:a\uD83D\uDE00');
    const str = new RowEncoder(table({ type: 'string', keyPrefix: 's:', keyColumn: 'id' }));
    expect(str.encode({ id: 'x\uDBFF' })).toMatch(/^key column 'id' holds a lone surrogate/);
    // In a JSON value it is escaped (\udbff), never lost.
    expect(str.encode({ id: 'x', s: 'y\uDBFF' })).toBeNull();
    expect(str.value).toBe('{"id":"x","s":"y\\udbff"}');
  });

  it('sink — dead_letter: such rows go to the dead-letter list with their reason (a Map kept as its entries); two ids never share a key', async () => {
    const s = await sinkOn(
      redis.server.url,
      table({ type: 'string', keyPrefix: 'amb:', keyColumn: 'id' }, { name: 'amb', onError: 'dead_letter' }),
    );
    await s.write([
      { id: 'ok', data: {} },
      { id: 'map', data: new Map([['a', 1]]) },
      { id: 'a\uD800', data: 1 },
      { id: 'a\uDC00', data: 2 },
    ]);
    await s.flush();
    expect(s.stats).toMatchObject({ rowsWritten: 1, rowsDeadLettered: 3 });
    expect(await redis.client.send(['GET', 'amb:ok'])).toBe('{"id":"ok","data":{}}');
    expect(await redis.client.send(['KEYS', 'amb:a*'])).toEqual([]);
    const dead = ((await redis.client.send(['LRANGE', 'amb:dead_letter', 0, -1])) as string[]).map((d) =>
      JSON.parse(d),
    );
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(MAP_SET),
      expect.stringMatching(/^key column 'id' holds a lone surrogate/),
      expect.stringMatching(/^key column 'id' holds a lone surrogate/),
    ]);
    expect(dead[0].row).toEqual({ id: 'map', data: [['a', 1]] });
    expect(dead[1].row.id).toBe('a\uD800');
    await s.close();
  });
});
