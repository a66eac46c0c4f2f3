import { serialize } from 'node:v8';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotRouter } from '../../src/plan/router.js';
import { Producer } from '../../src/producer/producer.js';
import { ProducerFailedError } from '../../src/producer/producer-errors.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { RowEncoding, type WriteRequest } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import { EncodedRow, keyedPayload } from '../../src/wire/keyed-rows.js';
import { encodeRows } from '../../src/wire/row-batch-codec.js';
import {
  eventsModel,
  rawWrite,
  routingOf,
  silent,
  startControl,
  TestShard,
  TestWorker,
} from '../support/ingest-harness.js';

const SECRET = 'SECRET-ROW-VALUE';
const model = eventsModel();

const open = (producerId = 'p1', shard = 0, tableId = 't-1'): WriteRequest => ({
  kind: { $case: 'open', value: { tableId, shard, producerId } },
});
const batch = (
  seq: number,
  rows: number,
  payload: Buffer,
  encoding = RowEncoding.ROW_ENCODING_JSON,
  kinds: Buffer = Buffer.alloc(0),
): WriteRequest => ({
  kind: { $case: 'batch', value: { seq, rows, encoding, payload, kinds } },
});
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('ingest service', () => {
  let worker: TestWorker;
  let shard: TestShard;

  beforeAll(async () => {
    worker = await TestWorker.start('w');
    shard = await worker
      .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1 }))
      .start();
  });
  afterAll(() => worker.close());

  it('ingest — open answers opened with the acknowledged seq and epoch, a batch is taken, a commit sends ack', async () => {
    const r = await rawWrite(worker.address, [
      open('ok-1'),
      batch(0, 2, encodeRows([{ id: 'a' }, { id: 'b' }], 'json')),
    ]);
    expect(r.code).toBe(status.OK);
    expect(r.responses[0]).toEqual({ kind: { $case: 'opened', value: { acknowledgedSeq: -1, epoch: 1 } } });
    expect(r.responses[1]).toEqual({ kind: { $case: 'ack', value: { acknowledgedSeq: 0 } } });
    // Reopening reports what is durable; a resend of seq 0 is dropped, not duplicated.
    const again = await rawWrite(worker.address, [
      open('ok-1'),
      batch(0, 2, encodeRows([{ id: 'a' }, { id: 'b' }], 'json')),
    ]);
    expect(again.responses[0]).toEqual({
      kind: { $case: 'opened', value: { acknowledgedSeq: 0, epoch: 1 } },
    });
    expect(shard.committed.filter((c) => c.partition.endsWith('/ok-1')).length).toBe(2);
  });

  const malformed: Array<[string, WriteRequest[], RegExp]> = [
    ['a batch before open', [batch(0, 1, json([{ id: SECRET }]))], /first message .* must be open/],
    ['open twice', [open('m1'), open('m1')], /open sent twice/],
    ['an empty producer id', [open('')], /producer_id/],
    [
      'a payload that is not JSON',
      [open('m2'), batch(0, 1, Buffer.from(`{"id":"${SECRET}"`))],
      /not valid JSON/,
    ],
    [
      'a row count that differs',
      [open('m3'), batch(0, 2, json([{ id: SECRET }]))],
      /declares 2 rows, its payload holds 1/,
    ],
    ['a JSON payload that is no array', [open('m4'), batch(0, 1, json({ id: SECRET }))], /not an array/],
    [
      'an element that is no object',
      [open('m5'), batch(0, 2, json([{ id: 'x' }, SECRET]))],
      /row 1 is a string/,
    ],
    [
      'a payload that is not v8',
      [open('m6'), batch(0, 1, Buffer.from(SECRET), RowEncoding.ROW_ENCODING_V8)],
      /not a valid v8/,
    ],
    [
      'a v8 payload that is no array',
      [open('m7'), batch(0, 1, serialize({ id: SECRET }), RowEncoding.ROW_ENCODING_V8)],
      /not an array/,
    ],
    [
      'an unknown encoding',
      [open('m8'), batch(0, 1, json([{ id: SECRET }]), 7 as RowEncoding)],
      /unknown row encoding 7/,
    ],
    ['a sequence gap', [open('m9'), batch(1, 1, json([{ id: SECRET }]))], /seq 1 skips ahead: expected 0/],
    [
      'a truncated keyed payload',
      [
        open('m10'),
        batch(
          0,
          1,
          keyedPayload([new EncodedRow('ev:1', '', SECRET)], false).subarray(0, 12),
          RowEncoding.ROW_ENCODING_KEYED,
        ),
      ],
      /row 0 is truncated/,
    ],
    [
      'kinds that are not one per row',
      [
        open('m11'),
        batch(0, 2, json([{ id: SECRET }, { id: 'b' }]), RowEncoding.ROW_ENCODING_JSON, Buffer.from([3])),
      ],
      /kinds must have one entry per row: 1 kinds for 2 rows/,
    ],
    [
      'a kind that is none of the four',
      [open('m12'), batch(0, 1, json([{ id: SECRET }]), RowEncoding.ROW_ENCODING_JSON, Buffer.from([4]))],
      /kind 4 of row 0 is none of/,
    ],
  ];
  it.each(malformed)(
    'ingest — %s ends the stream with INVALID_ARGUMENT, never echoing row data',
    async (_, msgs, why) => {
      const r = await rawWrite(worker.address, msgs);
      expect(r.code).toBe(status.INVALID_ARGUMENT);
      expect(r.details).toMatch(why);
      expect(r.details).not.toContain(SECRET);
    },
  );

  it('ingest — a batch with kinds hands them to the shard with its rows; a resend of it is dropped', async () => {
    const rows = json([{ id: 'k1' }, { id: 'k1' }, { id: 'k2' }]);
    const kinds = Buffer.from([0, 3, 2]);
    const first = await rawWrite(worker.address, [
      open('kinds-1'),
      batch(0, 3, rows, RowEncoding.ROW_ENCODING_JSON, kinds),
    ]);
    expect(first.code).toBe(status.OK);
    const again = await rawWrite(worker.address, [
      open('kinds-1'),
      batch(0, 3, rows, RowEncoding.ROW_ENCODING_JSON, kinds),
    ]);
    expect(again.code).toBe(status.OK);
    const mine = shard.committed.filter((c) => c.partition.endsWith('/kinds-1'));
    expect(mine.map((c) => c.kind)).toEqual([0, 3, 2]);
  });

  it('ingest — flush: the shard is asked for a checkpoint once it holds every batch sent before it', async () => {
    const s = await worker
      .host(new TestShard({ tableId: 't-flush', tableName: 'flushes', shard: 0, shards: 1 }))
      .start();
    s.holdCommits = true;
    const pushedAtRequest: number[] = [];
    s.onCheckpointRequest = () => {
      pushedAtRequest.push(s.pushedRows);
      // Commit once the reader has every row: the stream then ends with everything acknowledged.
      const commitWhenRead = () => (s.pending.length === 300 ? s.commit() : setTimeout(commitWhenRead, 5));
      commitWhenRead();
    };
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `f${i}` }));
    const r = await rawWrite(worker.address, [
      open('flush-1', 0, 't-flush'),
      batch(0, 150, encodeRows(rows.slice(0, 150), 'json')),
      batch(1, 150, encodeRows(rows.slice(150), 'json')),
      { kind: { $case: 'flush', value: {} } },
    ]);
    expect(r.code).toBe(status.OK);
    expect(pushedAtRequest).toEqual([300]);
    expect(r.responses.at(-1)).toEqual({ kind: { $case: 'ack', value: { acknowledgedSeq: 1 } } });
    await s.stop();
  });

  it('ingest — keyed rows into a destination that is no table shard (a pipeline source) end with INVALID_ARGUMENT', async () => {
    const s = await worker
      .host(new TestShard({ tableId: 't-src', tableName: 'pipe/src', shard: 0, shards: 1 }))
      .start();
    s.keyedRows = false;
    const payload = keyedPayload([new EncodedRow('ev:1', '', SECRET)], false);
    const r = await rawWrite(worker.address, [
      open('k-1', 0, 't-src'),
      batch(0, 1, payload, RowEncoding.ROW_ENCODING_KEYED),
    ]);
    expect(r.code).toBe(status.INVALID_ARGUMENT);
    expect(r.details).toMatch(/pipe\/src takes rows, not keyed rows/);
    expect(r.details).not.toContain(SECRET);
    expect(s.pushedRows).toBe(0);
    await s.stop();
  });

  it('ingest — a batch holding a row of another shard is refused, wherever the row is; the shard takes the next producer', async () => {
    // Shard 1 of 2: keys whose slot is below 8192 belong to shard 0.
    const router = new SlotRouter(model, 2);
    const s = await worker
      .host(new TestShard({ tableId: 't-route', tableName: model.name, shard: 1, shards: 2, router }))
      .start();
    const ids = Array.from({ length: 64 }, (_, i) => `r${i}`);
    const mine = ids.filter((id) => keySlot(`ev:${id}`) >= 8192);
    const other = ids.filter((id) => keySlot(`ev:${id}`) < 8192);
    const keyed = (list: string[]) =>
      keyedPayload(
        list.map((id) => new EncodedRow(`ev:${id}`, '', `{"id":"${id}","secret":"${SECRET}"}`)),
        false,
      );
    const cases: Array<[string, WriteRequest, RegExp]> = [
      [
        'keyed, a later row',
        batch(0, 3, keyed([mine[0], mine[1], other[0]]), RowEncoding.ROW_ENCODING_KEYED),
        /batch 0: row 2 routes to shard 0 of events, not to shard 1/,
      ],
      [
        'keyed, the first row',
        batch(0, 2, keyed([other[1], mine[2]]), RowEncoding.ROW_ENCODING_KEYED),
        /batch 0: row 0 routes to shard 0 of events, not to shard 1/,
      ],
      [
        'json, a later row',
        batch(
          0,
          2,
          encodeRows(
            [
              { id: mine[3], secret: SECRET },
              { id: other[2], secret: SECRET },
            ],
            'json',
          ),
        ),
        /batch 0: row 1 routes to shard 0 of events, not to shard 1/,
      ],
    ];
    for (const [what, request, details] of cases) {
      const r = await rawWrite(worker.address, [open(`misrouted-${what}`, 1, 't-route'), request]);
      expect(r.code, what).toBe(status.INVALID_ARGUMENT);
      expect(r.details, what).toMatch(details);
      expect(r.details, what).not.toContain(SECRET);
    }
    expect(s.pushedRows).toBe(0);
    // The shard still takes rows that are its own.
    const ok = await rawWrite(worker.address, [
      open('routed-ok', 1, 't-route'),
      batch(0, 2, keyed([mine[4], mine[5]]), RowEncoding.ROW_ENCODING_KEYED),
    ]);
    expect(ok.code).toBe(status.OK);
    expect(s.committed).toHaveLength(2);
    await s.stop();
  });

  it('ingest — a shard this worker does not host ends with FAILED_PRECONDITION (refresh the routing)', async () => {
    const r = await rawWrite(worker.address, [open('p', 3)]);
    expect(r.code).toBe(status.FAILED_PRECONDITION);
    expect(r.details).toMatch(/shard 3 of table t-1 is not hosted by this worker; refresh the routing/);
    const other = await rawWrite(worker.address, [open('p', 0, 'other-table')]);
    expect(other.code).toBe(status.FAILED_PRECONDITION);
  });
});

describe('ingest auth', () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await TestWorker.start('secure', 's3cret-token');
    await worker.host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1 })).start();
  });
  afterAll(() => worker.close());

  const md = (v?: string) => {
    const m = new Metadata();
    if (v !== undefined) m.set('authorization', v);
    return m;
  };

  it.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer wrong-token'],
    ['another scheme', 'Basic s3cret-token'],
  ])('auth — %s: UNAUTHENTICATED, the details never echo what was presented', async (_, header) => {
    const r = await rawWrite(worker.address, [open()], md(header));
    expect(r.code).toBe(status.UNAUTHENTICATED);
    expect(r.responses).toEqual([]);
    expect(r.details).not.toContain('wrong-token');
    expect(r.details).not.toContain('s3cret');
  });

  it('auth — the right bearer token (any scheme case) opens the stream', async () => {
    const r = await rawWrite(worker.address, [open('auth-ok')], md('bearer s3cret-token'));
    expect(r.code).toBe(status.OK);
    expect(r.responses[0].kind?.$case).toBe('opened');
  });

  it('auth — a producer with a wrong token fails with ERR_PRODUCER_FAILED (UNAUTHENTICATED), with the right one it writes', async () => {
    const routing = routingOf('t-1', model, 1);
    Object.assign(routing.routes[0], { workerId: 'secure', ingestAddress: worker.address, epoch: 1 });
    const control = await startControl({ routing: () => routing, token: 's3cret-token' });
    try {
      // Refused by the coordinator: the routing call fails.
      const none = new Producer({ coordinator: control.address, table: 'events', logger: silent });
      const e1 = await none.write([{ id: 'a' }]).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(ProducerFailedError);
      expect(e1).toMatchObject({ reason: 'REJECTED', grpcStatus: status.UNAUTHENTICATED });
      await none.close().catch(() => {});

      // Refused by the worker (the coordinator lets a token it does not check through here).
      const open = await startControl({ routing: () => routing });
      const wrong = new Producer({
        coordinator: open.address,
        table: 'events',
        token: 'nope',
        logger: silent,
      });
      await wrong.write([{ id: 'a' }]);
      const e2 = await wrong.flush().catch((e: unknown) => e);
      expect(e2).toMatchObject({
        code: 'ERR_PRODUCER_FAILED',
        reason: 'REJECTED',
        grpcStatus: status.UNAUTHENTICATED,
      });
      expect((e2 as Error).message).not.toContain('nope');
      await expect(wrong.write([{ id: 'b' }])).rejects.toBe(e2);
      await expect(wrong.close()).rejects.toBe(e2);
      open.close();

      const right = new Producer({
        coordinator: control.address,
        table: 'events',
        token: 's3cret-token',
        logger: silent,
      });
      await right.write([{ id: 'a' }]);
      await right.flush();
      expect(right.stats().rowsAcked).toBe(1);
      await right.close();
    } finally {
      control.close();
    }
  });
});
