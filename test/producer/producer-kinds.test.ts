import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { RowKindError } from '../../src/producer/row-kinds.js';
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { type RuntimeFixture, runtimeFixture, type TableSpec } from '../support/runtime.js';
import { until } from '../support/until.js';

/**
 * Row kinds through the Producer and the Ingest wire: upserts and deletes written by a producer
 * into `upsert` tables land as a reference map says, whichever row encoding travels and after a
 * worker stops mid-stream (its shards move, the producer resends its unacknowledged batches with
 * their kinds); a delete into an `append` table is refused before anything is sent.
 */
const upsert = (target: Record<string, unknown>, shards = 3): TableSpec => ({
  config: { connectorType: { target }, sink: { mode: 'upsert' } },
  shards,
});

/** One step of a changelog: write a key's (or a hash field's) value, update it, or delete it. */
interface Op {
  op: 'put' | 'upd' | 'del';
  k: number;
  f: number;
  v: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom('put', 'upd', 'del'),
  k: fc.nat({ max: 4 }),
  f: fc.nat({ max: 2 }),
  v: fc.nat({ max: 1000 }),
});

/**
 * Rows and kinds of `ops` for a String table keyed by `id` and a Hash table keyed by `g` with
 * field `f`, and the model after them (identity → v). An update of an identity the model holds
 * retracts its old row first (`-U`, `+U`), as a CDC source says it; a delete carries only what
 * names the identity.
 */
function changelog(ops: readonly Op[], tag: string, hash: boolean, model: Map<string, number>) {
  const rows: Record<string, unknown>[] = [];
  const kinds: number[] = [];
  for (const o of ops) {
    const ident = hash ? { g: `${tag}${o.k}`, f: `f${o.f}` } : { id: `${tag}${o.k}` };
    const name = hash ? `${ident.g}/${(ident as { f: string }).f}` : (ident as { id: string }).id;
    const old = model.get(name);
    if (o.op === 'del') {
      rows.push(ident);
      kinds.push(ROW_DELETE);
      model.delete(name);
    } else if (o.op === 'upd' && old !== undefined) {
      rows.push({ ...ident, v: old }, { ...ident, v: o.v });
      kinds.push(ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER);
      model.set(name, o.v);
    } else {
      rows.push({ ...ident, v: o.v });
      kinds.push(o.op === 'upd' ? ROW_UPDATE_AFTER : ROW_INSERT);
      model.set(name, o.v);
    }
  }
  return { rows, kinds };
}

describe('producer — row kinds into upsert tables', () => {
  let f: RuntimeFixture | undefined;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 2,
      checkpointIntervalMs: 100,
      tables: {
        users: upsert({ keyPrefix: 'u:', keyColumn: 'id' }),
        stock: upsert({ hashKeyPrefix: 'h:', hashKeyColumn: 'g', hashFieldColumn: 'f' }),
        // One field per column: its rows travel as JSON whatever the producer's encoding.
        cols: upsert({ type: 'hash', keyTemplate: 'c:{id}', hashLayout: 'columns' }),
        log: { config: { connectorType: { target: { keyPrefix: 'a:', keyColumn: 'id' } } }, shards: 2 },
        lax: {
          config: {
            connectorType: { target: { keyPrefix: 'l:', keyColumn: 'id' } },
            sink: { mode: 'upsert', onError: 'skip' },
          },
          shards: 2,
        },
      },
    });
  });

  afterAll(() => f?.stop());

  /** What Redis holds for the model's identities (and any other key of the run's tag). */
  async function landed(table: 'users' | 'stock' | 'cols', tag: string): Promise<Map<string, number>> {
    const { client } = f!;
    const out = new Map<string, number>();
    const prefix = table === 'users' ? 'u:' : table === 'stock' ? 'h:' : 'c:';
    const keys = ((await client.send(['KEYS', `${prefix}${tag}*`])) as Buffer[]).map((b) => b.toString());
    for (const key of keys) {
      const id = key.slice(prefix.length);
      if (table === 'users') {
        const v = (await client.send(['GET', key])) as Buffer;
        out.set(id, (JSON.parse(v.toString()) as { v: number }).v);
        continue;
      }
      const flat = (await client.send(['HGETALL', key])) as Buffer[] | Map<Buffer, Buffer>;
      const entries = flat instanceof Map ? [...flat] : pairs(flat);
      if (table === 'cols') {
        const v = entries.find(([field]) => field.toString() === 'v');
        out.set(id, Number(v?.[1].toString()));
        continue;
      }
      for (const [field, v] of entries) {
        out.set(`${id}/${field.toString()}`, (JSON.parse(v.toString()) as { v: number }).v);
      }
    }
    return out;
  }

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding} rows: upserts, updates and deletes land as the model says (property)`, async () => {
      const { rt } = f!;
      const producers = Object.fromEntries(
        // Small batches (keyed), or one batch per write call (json, v8).
        (['users', 'stock', 'cols'] as const).map((table) => [
          table,
          new Producer({
            coordinator: rt.grpcAddress,
            table,
            encoding,
            batchRows: encoding === 'keyed' ? 7 : 5000,
            lingerMs: 1,
          }),
        ]),
      );
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('users', 'stock', 'cols'),
            fc.array(fc.array(opArb, { maxLength: 25 }), { minLength: 1, maxLength: 3 }),
            async (table, calls) => {
              const tag = `${encoding}${run++}-`;
              const model = new Map<string, number>();
              const p = producers[table];
              // Each call's rows in order; several calls per flush, the last flush covers them all.
              for (const ops of calls) {
                const { rows, kinds } = changelog(ops, tag, table === 'stock', model);
                await p.write(rows, { kinds });
              }
              await p.flush();
              expect(await landed(table, tag)).toEqual(model);
            },
          ),
          { numRuns: 12 },
        );
      } finally {
        await Promise.all(Object.values(producers).map((p) => p.close()));
      }
    }, 60_000);
  }

  it('delete(rows) removes string keys by their key column alone', async () => {
    const { rt, client } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'users' });
    try {
      await p.write([
        { id: 'del-1', v: 1 },
        { id: 'del-2', v: 2 },
      ]);
      await p.delete([{ id: 'del-1' }]);
      await p.flush();
    } finally {
      await p.close();
    }
    expect(await client.send(['EXISTS', 'u:del-1'])).toBe(0);
    expect(JSON.parse(((await client.send(['GET', 'u:del-2'])) as Buffer).toString())).toEqual({
      id: 'del-2',
      v: 2,
    });
  });

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding} rows: kinds stay with their rows around rows the table refuses`, async () => {
      const { rt, client } = f!;
      const p = new Producer({ coordinator: rt.grpcAddress, table: 'lax', encoding, lingerMs: 20 });
      const id = (x: string) => `${encoding}-${x}`;
      try {
        // Refused rows (a null key) travel apart from the others in json and v8 lanes; each
        // row's kind must stay its own on both sides of them.
        await p.write(
          [
            { id: id('a'), v: 1 },
            { id: id('b'), v: 2 },
            { id: null },
            { id: id('a') },
            { id: id('c'), v: 3 },
            { id: null, v: 9 },
            { id: id('b'), v: 2 },
            { id: id('b'), v: 5 },
          ],
          {
            kinds: [
              ROW_INSERT,
              ROW_INSERT,
              ROW_DELETE,
              ROW_DELETE,
              ROW_INSERT,
              ROW_INSERT,
              ROW_UPDATE_BEFORE,
              ROW_UPDATE_AFTER,
            ],
          },
        );
        await p.flush();
      } finally {
        await p.close();
      }
      const get = async (x: string) => {
        const v = await client.send(['GET', `l:${id(x)}`]);
        return v === null ? null : (JSON.parse(String(v)) as { v: number }).v;
      };
      expect([await get('a'), await get('b'), await get('c')]).toEqual([null, 5, 3]);
    });
  }

  it('one delete among many inserts in a batch: the batch carries a kind for every row', async () => {
    const { rt, client } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'users', lingerMs: 50 });
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `many-${i}`, v: i }));
    try {
      await p.write(rows);
      await p.flush();
      // The delete comes first; the 300 rows after it in the same batches are inserts.
      await p.write([{ id: 'many-0' }, ...rows.slice(1).map((r) => ({ ...r, v: r.v + 1 }))], {
        kinds: [ROW_DELETE, ...rows.slice(1).map(() => ROW_INSERT)],
      });
      await p.flush();
    } finally {
      await p.close();
    }
    expect(await client.send(['EXISTS', 'u:many-0'])).toBe(0);
    const last = (await client.send(['GET', 'u:many-299'])) as Buffer;
    expect(JSON.parse(last.toString())).toEqual({ id: 'many-299', v: 300 });
  });

  it('a delete into an append table is refused, naming the table and why, with nothing of the call accepted', async () => {
    const { rt, client } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'log' });
    try {
      const err = await p
        .write([{ id: 'x1', v: 1 }, { id: 'x2' }], { kinds: [ROW_INSERT, ROW_DELETE] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RowKindError);
      expect(err).toMatchObject({ code: 'ERR_ROW_KIND', table: 'log', index: 1 });
      expect((err as Error).message).toMatch(
        /row 1 of the write to 'log': a delete \(-D\) cannot be applied: table 'log' is an 'append' table.*'sink\.mode' = 'upsert'.*no row of the call was accepted/,
      );
      await expect(p.delete([{ id: 'x1' }])).rejects.toMatchObject({ code: 'ERR_ROW_KIND' });
      await expect(p.write([{ id: 'x1', v: 1 }], { kinds: [ROW_UPDATE_BEFORE] })).rejects.toMatchObject({
        code: 'ERR_ROW_KIND',
        message: expect.stringContaining('retraction (-U)'),
      });
      expect(p.stats().rowsWritten).toBe(0);
      // Inserts and update-afters still go: the producer is not failed.
      await p.write([{ id: 'x3', v: 3 }], { kinds: [ROW_UPDATE_AFTER] });
      await p.flush();
    } finally {
      await p.close();
    }
    expect(await client.send(['EXISTS', 'a:x1', 'a:x2'])).toBe(0);
    expect(await client.send(['EXISTS', 'a:x3'])).toBe(1);
  });

  it('kinds that are not one per row, or not a kind, reject the call', async () => {
    const { rt } = f!;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'users' });
    try {
      await expect(p.write([{ id: 'k1', v: 1 }], { kinds: [] })).rejects.toThrow(RangeError);
      await expect(p.write([{ id: 'k1', v: 1 }], { kinds: [7] })).rejects.toMatchObject({
        code: 'ERR_ROW_KIND',
        message: expect.stringContaining('its kind 7 is none of'),
      });
      await expect(p.write([{ id: 'k1', v: 1 }], { kinds: [1.5] })).rejects.toMatchObject({
        code: 'ERR_ROW_KIND',
      });
      expect(p.stats().rowsWritten).toBe(0);
    } finally {
      await p.close();
    }
  });

  it("kinds into a pipeline's ingest source reach its query and its upsert sink", async () => {
    const { rt, client, redis } = f!;
    const plane = rt.coordinator.plane;
    await plane.createPipeline({
      name: 'kpipe',
      sql: `CREATE TABLE changes (id TEXT, v BIGINT) WITH (connector = 'ingest', type = 'source');
            CREATE TABLE latest (id TEXT, v BIGINT) WITH (
              connector = 'redis', type = 'sink', address = '${redis.url}',
              'sink.type' = 'string', 'sink.key_prefix' = 'kp:', 'sink.key_column' = 'id',
              'sink.mode' = 'upsert');
            INSERT INTO latest SELECT id, v FROM changes WHERE v < 100;`,
    });
    await until(
      'running',
      () => plane.getPipeline('kpipe'),
      (x) => x.state === 'running',
      60_000,
    );
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'kpipe/changes' });
    try {
      await p.write(
        [
          { id: 'p1', v: 1 },
          { id: 'p2', v: 2 },
          { id: 'p3', v: 3 },
          { id: 'p3', v: 3 },
          { id: 'p3', v: 30 },
        ],
        { kinds: [ROW_INSERT, ROW_INSERT, ROW_INSERT, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER] },
      );
      await p.delete([{ id: 'p1', v: 1 }]);
      await p.flush();
    } finally {
      await p.close();
    }
    const get = async (id: string) => {
      const v = await client.send(['GET', `kp:${id}`]);
      return v === null ? null : (JSON.parse(String(v)) as { v: number }).v;
    };
    expect([await get('p1'), await get('p2'), await get('p3')]).toEqual([null, 2, 30]);
    await plane.stopPipeline('kpipe');
  }, 60_000);

  // Last: it stops a worker of the shared runtime.
  it('kinds survive a worker stopping mid-stream: its shards move and the producer resends them', async () => {
    const { rt } = f!;
    const tag = 'move-';
    const model = new Map<string, number>();
    const ops: Op[] = [];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 6_000; i++) {
      ops.push({ op: (['put', 'upd', 'del'] as const)[next(3)], k: next(300), f: next(4), v: i });
    }
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'stock', batchRows: 100 });
    try {
      for (let at = 0; at < ops.length; at += 500) {
        const { rows, kinds } = changelog(ops.slice(at, at + 500), tag, true, model);
        const writing = p.write(rows, { kinds });
        if (at === 2_500) await rt.workers[1].stop();
        await writing;
      }
      await p.flush();
      expect(p.stats().reconnects).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
    expect(await landed('stock', tag)).toEqual(model);
  }, 60_000);
});

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}
