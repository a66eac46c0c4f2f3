import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SlotRouter } from '../../src/plan/router.js';
import { Producer } from '../../src/producer/producer.js';
import { ProducerFailedError } from '../../src/producer/producer-errors.js';
import type { ProducerOptions } from '../../src/producer/producer-options.js';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { PayloadRow, RefusedRow } from '../../src/sink/encoded-row.js';
import type { Row } from '../../src/sink/row-encoder.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import type { TableRouting } from '../../src/wire/gen/laminar/redis/v1/resources.js';
import { keyedItem, keyedPayload } from '../../src/wire/keyed-rows.js';
import { RowEncodingError } from '../../src/wire/row-batch-codec.js';
import {
  type CommittedRow,
  eventsModel,
  routingOf,
  rowOf,
  silent,
  startControl,
  stillPending,
  TestShard,
  TestWorker,
  until,
} from '../support/ingest-harness.js';

const model = eventsModel();
const cleanup: Array<() => unknown> = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A control server and `workers` test workers hosting `shards` shards round-robin. */
async function cluster(
  shards: number,
  workers: number,
  shardOptions: { bufferRows?: number } = {},
  refuse?: () => { code: number; details: string } | undefined,
) {
  const routing: TableRouting = routingOf('t-1', model, shards);
  const control = await startControl({ routing: () => routing, refuse });
  cleanup.push(() => control.close());
  const ws: TestWorker[] = [];
  for (let i = 0; i < workers; i++) {
    const w = await TestWorker.start(`w${i}`);
    cleanup.push(() => w.close());
    ws.push(w);
  }
  const shardsOf: TestShard[] = [];
  for (let j = 0; j < shards; j++) {
    const w = ws[j % workers];
    const s = new TestShard({ tableId: 't-1', tableName: model.name, shard: j, shards, ...shardOptions });
    shardsOf.push(await w.host(s).start());
    Object.assign(routing.routes[j], { workerId: w.id, ingestAddress: w.address, epoch: 1 });
  }
  return { routing, control, workers: ws, shards: shardsOf };
}

function producer(coordinator: string, o: Partial<ProducerOptions> = {}): Producer {
  const p = new Producer({ coordinator, table: 'events', logger: silent, ...o });
  cleanup.push(() => p.close({ signal: AbortSignal.timeout(2000) }).catch(() => {}));
  return p;
}

const rowsOf = (tag: string, from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({ id: `${tag}-${(from + k) % 97}`, i: from + k, tag }));

/** Per partition, the committed rows in commit order. */
function byPartition(rows: readonly CommittedRow[]): Map<string, CommittedRow[]> {
  const out = new Map<string, CommittedRow[]>();
  for (const r of rows) {
    let l = out.get(r.partition);
    if (l === undefined) out.set(r.partition, (l = []));
    l.push(r);
  }
  return out;
}

describe('producer', () => {
  it('producer — rows arrive exactly once and in order per (producer, shard), on the shard their key routes to', async () => {
    const { control, shards } = await cluster(4, 2);
    const p1 = producer(control.address, { batchRows: 64 });
    const p2 = producer(control.address, { batchRows: 100, encoding: 'v8' });
    const write = async (p: Producer, tag: string) => {
      for (let k = 0; k < 3000; k += 250) await p.write(rowsOf(tag, k, 250));
      await p.flush();
    };
    await Promise.all([write(p1, 'a'), write(p2, 'b')]);

    const router = new SlotRouter(model, 4);
    const seen = { a: new Set<number>(), b: new Set<number>() };
    for (const s of shards) {
      for (const [partition, rows] of byPartition(s.committed)) {
        const tag = partition.endsWith(p1.id) ? 'a' : 'b';
        expect(partition).toBe(`${s.ingest.name}/${tag === 'a' ? p1.id : p2.id}`);
        // In order: the producer's row counter and the partition's offsets both increase by one.
        expect(rows.map((r) => r.offset)).toEqual(rows.map((_, k) => k));
        for (let k = 1; k < rows.length; k++) {
          expect(rowOf(rows[k]).i).toBeGreaterThan(rowOf(rows[k - 1]).i as number);
        }
        for (const r of rows) {
          // p1 sends keyed rows (the default), p2 v8 rows: both route as the worker's router does.
          expect(r.row instanceof PayloadRow).toBe(tag === 'a');
          expect(router.shardOf(r.row)).toBe(s.shard);
          const i = rowOf(r).i as number;
          expect(rowOf(r).tag).toBe(tag);
          expect(seen[tag].has(i)).toBe(false);
          seen[tag].add(i);
        }
      }
    }
    expect(seen.a.size).toBe(3000);
    expect(seen.b.size).toBe(3000);
    for (const p of [p1, p2]) {
      expect(p.stats()).toMatchObject({ rowsWritten: 3000, rowsAcked: 3000, unackedRows: 0, reconnects: 0 });
    }
  });

  it('producer — flush resolves only once a commit acknowledges the rows', async () => {
    const { control, shards } = await cluster(1, 1);
    shards[0].holdCommits = true;
    const p = producer(control.address);
    await p.write(rowsOf('a', 0, 10));
    const flushed = p.flush();
    await until(() => shards[0].pending.length === 10, 5000, 'rows read');
    expect(await stillPending(flushed, 200)).toBe(true);
    expect(p.stats().rowsAcked).toBe(0);
    shards[0].commit();
    await flushed;
    expect(p.stats()).toMatchObject({ rowsAcked: 10, unackedRows: 0 });
  });

  it('producer — write waits while maxUnackedRows are unacknowledged; a stalled shard bounds what the worker takes', async () => {
    const { control, shards } = await cluster(1, 1, { bufferRows: 200 });
    const shard = shards[0];
    shard.pause();
    const p = producer(control.address, { batchRows: 100, maxUnackedRows: 1000 });
    const writing = p.write(rowsOf('a', 0, 5000));
    expect(await stillPending(writing, 400)).toBe(true);
    const s = p.stats();
    expect(s.rowsWritten).toBe(1000);
    expect(s.unackedRows).toBe(1000);
    // The worker took at most its buffer plus the one read in hand (a push waits once the buffer is
    // full, and the stream is not read meanwhile); the rest waits at the producer.
    expect(shard.pushedRows).toBeLessThanOrEqual(200 + 100);
    expect(shard.committed.length).toBe(0);

    shard.resume();
    await writing;
    await p.flush();
    expect(shard.committed.map((r) => rowOf(r).i)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(p.stats()).toMatchObject({ rowsWritten: 5000, rowsAcked: 5000, unackedRows: 0 });
  });

  it('producer — a bigint with json rejects the write with ERR_ROW_ENCODING suggesting v8, accepting nothing of it', async () => {
    const { control, shards } = await cluster(1, 1);
    const p = producer(control.address, { encoding: 'json' });
    const err = await p
      .write([
        { id: 'x', n: 1 },
        { id: 'y', n: 2n ** 70n },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RowEncodingError);
    expect((err as RowEncodingError).code).toBe('ERR_ROW_ENCODING');
    expect((err as Error).message).toMatch(/row 1 .*column 'n' holds a bigint.*encoding: 'v8'/);
    expect((err as Error).message).not.toContain('1180591620717411303424');
    expect(p.stats().rowsWritten).toBe(0);
    // The producer goes on with other rows.
    await p.write([{ id: 'z', n: 3 }]);
    await p.flush();
    expect(shards[0].committed.map((r) => r.row)).toEqual([{ id: 'z', n: 3 }]);
  });

  it('producer — keyed: a non-object row deep in a large write rejects it before any row is taken; a write of several slices lands whole, in order', async () => {
    const { control, shards } = await cluster(1, 1);
    const p = producer(control.address);
    const rows: Row[] = Array.from({ length: 7_000 }, (_, i) => ({ id: `k${i % 50}`, i }));
    const bad = [...rows.slice(0, 6_500), 42 as unknown as Row, ...rows.slice(6_500)];
    const err = await p.write(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RowEncodingError);
    expect((err as Error).message).toMatch(/row 6500 /);
    expect(p.stats()).toMatchObject({ rowsWritten: 0, unackedRows: 0 });
    await p.write(rows);
    await p.flush();
    expect(shards[0].committed.map((r) => rowOf(r).i)).toEqual(rows.map((_, i) => i));
  });

  it('producer — with v8, bigint, Date and Buffer values round trip unchanged', async () => {
    const { control, shards } = await cluster(1, 1);
    const p = producer(control.address, { encoding: 'v8' });
    const rows = [
      { id: 'a', big: 2n ** 70n, at: new Date('2026-01-02T03:04:05.678Z'), bytes: Buffer.from([0, 255, 7]) },
      { id: 7n, big: -1n, at: new Date(0), bytes: Buffer.alloc(0), nested: { x: [1, 'two', null] } },
    ];
    await p.write(rows);
    await p.flush();
    const got = shards[0].committed.map((r) => r.row as Record<string, unknown>);
    expect(got).toEqual(rows);
    expect(typeof got[0].big).toBe('bigint');
    expect(got[0].at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(got[0].bytes) || got[0].bytes instanceof Uint8Array).toBe(true);
  });

  it('producer — keyed: the worker gets the exact key and value the table encodes (bigint, bytes, Date); a refused row its reason and dead-letter row', async () => {
    const { control, shards } = await cluster(2, 1);
    const p = producer(control.address);
    const rows: Row[] = [
      { id: 'a', big: 2n ** 70n, at: new Date('2026-01-02T03:04:05.678Z') },
      { id: Buffer.from([0xff, 0x00, 0x41]), text: 'é 😀 "q"\n' },
      { id: null, why: 'a null key: the sink applies the error policy' },
      { id: 7n, nested: { x: [1, 'two', null] } },
    ];
    await p.write(rows);
    await p.flush();
    const enc = new RowEncoder(model);
    const router = new SlotRouter(model, 2);
    const got = shards.flatMap((s) => s.committed.map((c) => ({ shard: s.shard, row: c.row })));
    expect(got).toHaveLength(rows.length);
    for (const want of rows) {
      const reason = enc.encode(want);
      const shard = router.shardOf(want);
      if (reason !== null) {
        // Refused: why (the table does not dead-letter: no row), where the router sends a keyless row.
        expect(model.onError).toBe('fail');
        expect(got).toContainEqual({ shard: router.shardOf({}), row: new RefusedRow(reason, '') });
        continue;
      }
      const match = got.find(
        (g) => g.row instanceof PayloadRow && Buffer.from(g.row.key).equals(Buffer.from(enc.key)),
      );
      expect(match?.shard).toBe(shard);
      const row = match?.row as PayloadRow;
      expect([row.key, row.field, row.value]).toEqual([enc.key, '', enc.value]);
    }
  });

  it('producer — keyed batches are sealed at maxBatchBytes across write calls, rows in order', async () => {
    const { control, shards } = await cluster(1, 1);
    const p = producer(control.address, { maxBatchBytes: 2_000, batchRows: 1_000 });
    // Rows of ~50 payload bytes: about 40 per batch, batches spanning calls of 7 rows.
    const rows = rowsOf('m', 0, 700);
    for (let from = 0; from < 700; from += 7) await p.write(rows.slice(from, from + 7));
    await p.flush();
    expect(shards[0].committed.map((r) => rowOf(r).i)).toEqual(Array.from({ length: 700 }, (_, i) => i));
    const enc = new RowEncoder(model);
    const total = keyedPayload(
      rows.map((r, i) => keyedItem(enc, r, i)),
      false,
    ).length;
    // Every batch but the last is full to within one row.
    expect(p.stats().batchesSent).toBeGreaterThanOrEqual(Math.ceil(total / 2_000));
    expect(p.stats().batchesSent).toBeLessThanOrEqual(Math.ceil(total / (2_000 - 60)));
  });

  it('producer — bytes in the key column with json are refused (the key would change on the way)', async () => {
    const { control } = await cluster(1, 1);
    const p = producer(control.address, { encoding: 'json' });
    await expect(p.write([{ id: Buffer.from('k') }])).rejects.toMatchObject({
      code: 'ERR_ROW_ENCODING',
      message: expect.stringMatching(/key column 'id' holds bytes.*'v8'/),
    });
  });

  it('producer — a shard that never gets a worker fails the producer after retryTimeoutMs', async () => {
    const { control, routing } = await cluster(1, 1);
    Object.assign(routing.routes[0], { workerId: '', ingestAddress: '' });
    const p = producer(control.address, { retryTimeoutMs: 300 });
    await p.write(rowsOf('a', 0, 5));
    const err = await p.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFailedError);
    expect(err).toMatchObject({ code: 'ERR_PRODUCER_FAILED', reason: 'RETRY_TIMEOUT' });
    expect((err as Error).message).toMatch(/shard 0 unreachable/);
    await expect(p.write(rowsOf('a', 5, 1))).rejects.toBe(err);
    expect(control.calls).toBeGreaterThan(1); // the routing was refreshed while waiting
  });

  it("producer — a failed table (routing answers FAILED_PRECONDITION) fails it at once with the table's reason, not after retryTimeoutMs", async () => {
    const why = 'table events failed: shard 0: [ERR_BAD_ROW] bad row: key column id is null';
    let failed = false;
    const { control, workers, shards } = await cluster(1, 1, {}, () =>
      failed ? { code: status.FAILED_PRECONDITION, details: why } : undefined,
    );
    // Mid-stream: the shard is revoked as the table fails; the lane's routing refresh is refused.
    const p = producer(control.address, { retryTimeoutMs: 600_000 });
    await p.write(rowsOf('a', 0, 5));
    await p.flush();
    failed = true;
    await workers[0].revoke(shards[0]);
    await p.write(rowsOf('a', 5, 5));
    const err = await p.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFailedError);
    expect(err).toMatchObject({ code: 'ERR_PRODUCER_FAILED', reason: 'TABLE_FAILED', grpcStatus: 9 });
    expect((err as Error).message).toContain(why);
    await expect(p.write(rowsOf('a', 10, 1))).rejects.toBe(err);
    // At start: the first routing answer is the refusal.
    const q = producer(control.address, { retryTimeoutMs: 600_000 });
    const first = await q.write(rowsOf('b', 0, 1)).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'ERR_PRODUCER_FAILED', reason: 'TABLE_FAILED' });
    expect((first as Error).message).toContain(why);
  });

  it('producer — v8: a batch that cannot be encoded never lets flush() report its rows written', async () => {
    const { control, shards, routing } = await cluster(1, 1);
    // No model (as for a pipeline's ingest source): no encoder to send the rows keyed instead.
    routing.model = undefined;
    const p = producer(control.address, { encoding: 'v8' });
    await p.write([
      { id: 'a', n: 1 },
      { id: 'b', fn: () => 1 },
      { id: 'c', n: 3 },
    ]);
    const err = await p.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFailedError);
    expect(err).toMatchObject({ reason: 'ENCODING' });
    await expect(p.flush()).rejects.toBe(err);
    expect(shards[0].pushedRows).toBe(0);
  });

  it('producer — v8: rows serialize() refuses still reach the worker; flush() resolves only once every row did', async () => {
    const { control, shards, routing } = await cluster(1, 1);
    // Only id and n are written: a function elsewhere is no bad row, but v8 cannot carry it.
    const narrow = defineTable({
      ...model,
      schema: [
        { name: 'id', type: 'TEXT' },
        { name: 'n', type: 'INT' },
      ],
    });
    routing.model = JSON.parse(JSON.stringify(narrow));
    const p = producer(control.address, { encoding: 'v8' });
    const rows = [
      { id: 'a', n: 1 },
      { id: 'b', n: 2, fn: () => 1 },
      { id: 'c', n: 3, sym: Symbol('s') },
      { id: 'd', n: 4 },
    ];
    await p.write(rows);
    await p.flush();
    expect(p.stats()).toMatchObject({ rowsWritten: 4, rowsAcked: 4 });
    const enc = new RowEncoder(narrow);
    const got = shards[0].committed.map((c) => (enc.encode(c.row) === null ? String(enc.value) : null));
    expect(got).toEqual(rows.map(({ id, n }) => JSON.stringify({ id, n })));
  });

  it('producer — an unknown table fails the producer with NOT_FOUND', async () => {
    const { control } = await cluster(1, 1);
    const p = new Producer({ coordinator: control.address, table: 'nope', logger: silent });
    cleanup.push(() => p.close({ signal: AbortSignal.timeout(2000) }).catch(() => {}));
    await expect(p.write(rowsOf('a', 0, 1))).rejects.toMatchObject({
      code: 'ERR_PRODUCER_FAILED',
      reason: 'REJECTED',
      grpcStatus: 5,
    });
  });
});
