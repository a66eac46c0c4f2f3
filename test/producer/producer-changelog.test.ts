import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { RowKindError } from '../../src/producer/row-kinds.js';
import { RowEncodingError } from '../../src/wire/row-batch-codec.js';
import { type RuntimeFixture, runtimeFixture, type TableSpec } from '../support/runtime.js';

/**
 * Changelog formats through the Producer: Debezium envelopes (bare, in the JSON converter's
 * `payload`, keyed, with tombstones) and plain rows with an operation column, written into
 * `upsert` tables, land as a reference map says; an entry that says no kind rejects its whole call
 * with its index and reason, and nothing of the call reaches Redis.
 */
const upsert = (target: Record<string, unknown>, shards = 3): TableSpec => ({
  config: { connectorType: { target }, sink: { mode: 'upsert' } },
  shards,
});

type Entry = Record<string, unknown>;
interface UserRow {
  id: string;
  name: string;
  n: number;
}

/** One step of a source table's history: create, snapshot-read, update or delete a key. */
interface Op {
  op: 'c' | 'r' | 'u' | 'd';
  k: number;
  n: number;
  /** How the envelope is wrapped: bare, `{ schema, payload }`, or keyed `{ key, value }`. */
  wrap: 'bare' | 'payload' | 'keyed';
  /** A delete: followed by its tombstone, as Debezium sends it. */
  tombstone: boolean;
  /** An update: without its `before` (only with `updates: 'upsert'`). */
  noBefore: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom('c', 'r', 'u', 'd'),
  k: fc.nat({ max: 5 }),
  n: fc.nat({ max: 1000 }),
  wrap: fc.constantFrom('bare', 'payload', 'keyed'),
  tombstone: fc.boolean(),
  noBefore: fc.boolean(),
});

/**
 * Debezium entries of `ops` on rows `{ id, name, n }` and the model after them (id → row). A
 * delete of a keyed message may carry only its key; a tombstone without a delete before it
 * deletes its key under `upsert`, and is passed over under `retract`.
 */
function envelopes(ops: readonly Op[], tag: string, upsertUpdates: boolean, model: Map<string, UserRow>) {
  const entries: Entry[] = [];
  for (const o of ops) {
    const id = `${tag}${o.k}`;
    const old = model.get(id);
    const row: UserRow = { id, name: `user ${o.n}`, n: o.n };
    let env: Entry;
    if (o.op === 'd') {
      if (old === undefined && !upsertUpdates) continue; // nothing to retract
      env = { op: 'd', before: o.wrap === 'keyed' && o.noBefore ? null : (old ?? { id }), after: null };
      model.delete(id);
    } else if (o.op === 'u' && (old !== undefined || upsertUpdates)) {
      const before = upsertUpdates && (o.noBefore || old === undefined) ? null : old;
      env = { op: 'u', before, after: row };
      model.set(id, row);
    } else {
      env = { op: o.op === 'u' ? 'c' : o.op, before: null, after: row };
      model.set(id, row);
    }
    if (o.wrap === 'bare') entries.push(env);
    else if (o.wrap === 'payload') entries.push({ schema: { type: 'struct' }, payload: env });
    else entries.push({ key: { payload: { id } }, value: env });
    if (o.op === 'd' && o.tombstone) entries.push({ key: { id }, value: null });
  }
  return entries;
}

describe('producer — Debezium envelopes and operation columns', () => {
  let f: RuntimeFixture | undefined;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 2,
      checkpointIntervalMs: 100,
      tables: {
        users: upsert({ keyPrefix: 'u:', keyColumn: 'id' }),
        cols: upsert({ type: 'hash', keyTemplate: 'c:{id}', hashLayout: 'columns' }),
        log: { config: { connectorType: { target: { keyPrefix: 'a:', keyColumn: 'id' } } }, shards: 2 },
      },
    });
  });

  afterAll(() => f?.stop());

  /** What Redis holds under the run's tag, as rows `{ id, name, n }` by id. */
  async function landed(table: 'users' | 'cols', tag: string): Promise<Map<string, UserRow>> {
    const { client } = f!;
    const prefix = table === 'users' ? 'u:' : 'c:';
    const keys = ((await client.send(['KEYS', `${prefix}${tag}*`])) as Buffer[]).map((b) => b.toString());
    const out = new Map<string, UserRow>();
    for (const key of keys) {
      const id = key.slice(prefix.length);
      if (table === 'users') {
        out.set(id, JSON.parse(((await client.send(['GET', key])) as Buffer).toString()) as UserRow);
        continue;
      }
      const flat = (await client.send(['HGETALL', key])) as Buffer[] | Map<Buffer, Buffer>;
      const fields = new Map<string, string>();
      if (flat instanceof Map) for (const [k, v] of flat) fields.set(k.toString(), v.toString());
      else for (let i = 0; i < flat.length; i += 2) fields.set(flat[i].toString(), flat[i + 1].toString());
      out.set(id, { id, name: fields.get('name')!, n: Number(fields.get('n')) });
    }
    return out;
  }

  for (const updates of ['upsert', 'retract'] as const) {
    it(`debezium (updates: '${updates}'): c, r, u, d and tombstones land as the model says (property)`, async () => {
      const { rt } = f!;
      const producers = {
        users: new Producer({ coordinator: rt.grpcAddress, table: 'users', lingerMs: 1 }),
        cols: new Producer({ coordinator: rt.grpcAddress, table: 'cols', lingerMs: 1 }),
      };
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('users', 'cols'),
            fc.array(fc.array(opArb, { maxLength: 20 }), { minLength: 1, maxLength: 3 }),
            async (table, calls) => {
              const tag = `dbz${updates}${run++}-`;
              const model = new Map<string, UserRow>();
              for (const ops of calls) {
                const entries = envelopes(ops, tag, updates === 'upsert', model);
                await producers[table].write(entries, { format: 'debezium', updates });
              }
              await producers[table].flush();
              expect(await landed(table, tag)).toEqual(model);
            },
          ),
          { numRuns: 10 },
        );
      } finally {
        await Promise.all(Object.values(producers).map((p) => p.close()));
      }
    }, 60_000);
  }

  it('a tombstone deletes its key under upsert, and is passed over under retract', async () => {
    const { rt, client } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'users' });
    try {
      await p.write(
        [
          { op: 'c', after: { id: 't1', name: 'a', n: 1 } },
          { op: 'c', after: { id: 't2', name: 'b', n: 2 } },
        ],
        { format: 'debezium' },
      );
      await p.write([{ key: { id: 't1' }, value: null }], { format: 'debezium' });
      await p.write([{ key: { id: 't2' }, value: null }], { format: 'debezium', updates: 'upsert' });
      await p.flush();
    } finally {
      await p.close();
    }
    expect(await client.send(['EXISTS', 'u:t1'])).toBe(1);
    expect(await client.send(['EXISTS', 'u:t2'])).toBe(0);
  });

  it('op-column rows: c, r, u, d and the short kind names land as the model says, the column removed', async () => {
    const { rt } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'cols', encoding: 'v8' });
    const row = (id: string, n: number, op: string) => ({ id: `op-${id}`, name: `user ${n}`, n, op });
    try {
      await p.write(
        [
          row('a', 1, 'c'),
          row('b', 2, 'r'),
          row('c', 3, '+I'),
          row('a', 1, '-U'),
          row('a', 10, '+U'),
          row('b', 20, 'u'),
          row('c', 3, 'd'),
          row('d', 4, 'c'),
          { id: 'op-d', op: '-D' },
          row('e', 5, 'c'),
        ],
        { opColumn: 'op' },
      );
      await p.flush();
    } finally {
      await p.close();
    }
    const expected = new Map<string, UserRow>([
      ['op-a', { id: 'op-a', name: 'user 10', n: 10 }],
      ['op-b', { id: 'op-b', name: 'user 20', n: 20 }],
      ['op-e', { id: 'op-e', name: 'user 5', n: 5 }],
    ]);
    expect(await landed('cols', 'op-')).toEqual(expected);
    expect(await f!.client.send(['HEXISTS', 'c:op-a', 'op'])).toBe(0);
  });

  /** Writes `entries`, expecting the call refused with nothing of it written or counted. */
  async function refused(
    table: 'users' | 'log',
    entries: Entry[],
    options: Parameters<Producer['write']>[1],
    keys: string[],
  ): Promise<Error> {
    const { rt, client } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table });
    let err: unknown;
    try {
      err = await p.write(entries, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(p.stats().rowsWritten).toBe(0);
      // The producer goes on: its next write is taken.
      await p.write([{ id: 'after-refusal', name: 'x', n: 0 }]);
      await p.flush();
    } finally {
      await p.close();
    }
    expect(await client.send(['EXISTS', ...keys])).toBe(0);
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }

  it('a bad envelope rejects the whole call, naming its index and reason, with nothing written', async () => {
    const good = (id: string): Entry => ({ op: 'c', before: null, after: { id, name: id, n: 1 } });
    const keys = ['u:bad-1', 'u:bad-2'];
    const unknown = await refused(
      'users',
      [good('bad-1'), good('bad-2'), { op: 't', after: {} }],
      { format: 'debezium' },
      keys,
    );
    expect(unknown).toBeInstanceOf(RowKindError);
    expect(unknown).toMatchObject({ code: 'ERR_ROW_KIND', table: 'users', index: 2 });
    expect(unknown.message).toMatch(
      /^row 2 of the write to 'users': unknown operation "t" in 'op' \(known: c, r, u, d\); no row of the call was accepted$/,
    );

    const noKey = await refused(
      'users',
      [good('bad-1'), { op: 'd', before: null }, good('bad-2')],
      { format: 'debezium', updates: 'upsert' },
      keys,
    );
    expect(noKey).toMatchObject({ code: 'ERR_ROW_KIND', index: 1 });
    expect(noKey.message).toContain(
      "op 'd' without a 'before' row or a key: nothing says which row to delete",
    );

    const noBefore = await refused(
      'users',
      [good('bad-1'), good('bad-2'), { payload: { op: 'u', before: null, after: { id: 'bad-1', n: 2 } } }],
      { format: 'debezium' },
      keys,
    );
    expect(noBefore).toMatchObject({ code: 'ERR_ROW_KIND', index: 2 });
    expect(noBefore.message).toContain("op 'u' without a 'before' row: updates are 'retract' by default");
    expect(noBefore.message).toContain("{ updates: 'upsert' }");

    const notObject = await refused(
      'users',
      [good('bad-1'), 'c' as unknown as Entry],
      { format: 'debezium' },
      keys,
    );
    expect(notObject).toBeInstanceOf(RowEncodingError);
    expect(notObject).toMatchObject({ code: 'ERR_ROW_ENCODING', index: 1 });
  });

  it('op-column rows: an unknown or missing operation rejects the whole call with nothing written', async () => {
    const keys = ['u:opbad-1', 'u:opbad-2'];
    const rows = [
      { id: 'opbad-1', n: 1, kind: 'c' },
      { id: 'opbad-2', n: 2, kind: 'c' },
    ];
    const unknown = await refused(
      'users',
      [...rows, { id: 'opbad-1', kind: 'x' }],
      { opColumn: 'kind' },
      keys,
    );
    expect(unknown).toMatchObject({ code: 'ERR_ROW_KIND', index: 2 });
    expect(unknown.message).toContain(
      `unknown operation "x" in column 'kind' (known: c, r, u, d, +I, -U, +U, -D)`,
    );
    const missing = await refused('users', [{ id: 'opbad-1', n: 1 }, ...rows], { opColumn: 'kind' }, keys);
    expect(missing).toMatchObject({ code: 'ERR_ROW_KIND', index: 0 });
    expect(missing.message).toContain("no operation in column 'kind'");
  });

  it("a retraction into an append table names the entry it came from, not the decoded row's index", async () => {
    // The tombstone (entry 1) is passed over under retract: entry 2's delete is decoded row 1.
    const err = await refused(
      'log',
      [
        { op: 'c', after: { id: 'ap-1', n: 1 } },
        { key: { id: 'ap-0' }, value: null },
        { op: 'd', before: { id: 'ap-1', n: 1 } },
      ],
      { format: 'debezium' },
      ['a:ap-1'],
    );
    expect(err).toBeInstanceOf(RowKindError);
    expect(err).toMatchObject({ table: 'log', index: 2 });
    expect(err.message).toMatch(
      /^row 2 of the write to 'log': a delete \(-D\) cannot be applied: table 'log' is an 'append' table/,
    );
  });

  it('contradicting changelog options reject the call', async () => {
    const { rt } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'users' });
    const rows = [{ id: 'opt-1', n: 1, op: 'c' }];
    try {
      await expect(p.write(rows, { format: 'debezium', opColumn: 'op' })).rejects.toThrow(
        /opColumn is for plain rows/,
      );
      await expect(p.write(rows, { opColumn: 'op', kinds: [0] })).rejects.toThrow(
        /kinds or a changelog format/,
      );
      await expect(p.write(rows, { updates: 'upsert' })).rejects.toThrow(/updates is for changelogs/);
      await expect(p.write(rows, { opColumn: '' })).rejects.toThrow(TypeError);
      await expect(p.write(rows, { format: 'avro' as 'json' })).rejects.toThrow(
        /format must be 'debezium' or 'json'/,
      );
      await expect(p.write(rows, { opColumn: 'op', updates: 'merge' as 'upsert' })).rejects.toThrow(
        /updates must be 'retract' or 'upsert'/,
      );
      expect(p.stats().rowsWritten).toBe(0);
    } finally {
      await p.close();
    }
  });
});
