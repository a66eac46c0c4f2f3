import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { ROW_INSERT, ROW_UPDATE_AFTER } from '../../src/sink/changelog.js';
import {
  type CommittedRow,
  eventsModel,
  routingOf,
  rowOf,
  silent,
  startControl,
  startProxy,
  TestShard,
  TestWorker,
  until,
} from '../support/ingest-harness.js';

const model = eventsModel();
const cleanup: Array<() => unknown> = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const rowsOf = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({ id: `k${(from + k) % 31}`, i: from + k }));

describe('producer failover', () => {
  it.each(['killed', 'revoked'] as const)(
    'producer — shard moves after its worker is %s mid-stream: the producer resends, every row is committed exactly once, in order',
    async (how) => {
      const routing = routingOf('t-1', model, 1);
      const control = await startControl({ routing: () => routing });
      cleanup.push(() => control.close());
      const a = await TestWorker.start('a');
      cleanup.push(() => a.close());
      const first = await a
        .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1 }))
        .start();
      Object.assign(routing.routes[0], { workerId: 'a', ingestAddress: a.address, epoch: 1 });

      const p = new Producer({
        coordinator: control.address,
        table: 'events',
        batchRows: 50,
        logger: silent,
      });
      cleanup.push(() => p.close({ signal: AbortSignal.timeout(2000) }).catch(() => {}));
      let written = 0;
      const write = async (n: number) => {
        await p.write(rowsOf(written, n));
        written += n;
      };

      // 1. Normal operation: committed and acknowledged.
      await write(500);
      await p.flush();
      // 2. Committed on A, but the producer never hears of it: B's `opened` reports it durable, so
      //    the producer drops it without resending.
      first.silentCommits = true;
      await write(300);
      await until(() => first.committed.length === 800, 5000, 'silent commits');
      // 3. Read on A, never committed: lost with A, must be resent and taken by B.
      first.holdCommits = true;
      await write(200);
      await until(() => first.pending.length === 200, 5000, 'uncommitted reads');

      // A goes away; for a while no worker hosts the shard.
      Object.assign(routing.routes[0], { workerId: '', ingestAddress: '' });
      if (how === 'killed') await a.kill();
      else await a.revoke(first);
      const lost = first.pending.length;
      expect(lost).toBe(200);
      await write(100); // written during the outage: waits in the producer's lane
      await new Promise((r) => setTimeout(r, 200));

      // B takes the shard over, restored from A's last commit.
      const b = await TestWorker.start('b');
      cleanup.push(() => b.close());
      const second = await b
        .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1, epoch: 2 }))
        .start(first.lastCommitted);
      Object.assign(routing.routes[0], { workerId: 'b', ingestAddress: b.address, epoch: 2 });
      await write(400);
      await p.flush();

      const union: CommittedRow[] = [...first.committed, ...second.committed];
      expect(union.map((r) => rowOf(r).i)).toEqual(Array.from({ length: written }, (_, i) => i));
      // Offsets continue across the move: the restored source numbers rows as A did.
      expect(union.map((r) => r.offset)).toEqual(Array.from({ length: written }, (_, i) => i));
      const s = p.stats();
      // What A read but never committed went again (plus the outage rows when they were written on
      // the dying stream before the producer noticed); the silently committed rows did not.
      expect(s.rowsResent).toBeGreaterThanOrEqual(lost);
      expect(s.rowsResent).toBeLessThanOrEqual(lost + 100);
      expect(s.reconnects).toBeGreaterThanOrEqual(1);
      expect(s).toMatchObject({ rowsWritten: written, rowsAcked: written, unackedRows: 0 });
    },
  );

  it('producer — a cut connection: the producer reopens on the same worker and resends; batches it already took are dropped', async () => {
    const routing = routingOf('t-1', model, 1);
    const control = await startControl({ routing: () => routing });
    cleanup.push(() => control.close());
    const w = await TestWorker.start('w');
    cleanup.push(() => w.close());
    const proxy = await startProxy(w.address);
    cleanup.push(() => proxy.close());
    const shard = await w
      .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1 }))
      .start();
    shard.holdCommits = true;
    Object.assign(routing.routes[0], { workerId: 'w', ingestAddress: proxy.address, epoch: 1 });

    const p = new Producer({ coordinator: control.address, table: 'events', batchRows: 50, logger: silent });
    cleanup.push(() => p.close({ signal: AbortSignal.timeout(2000) }).catch(() => {}));
    await p.write(rowsOf(0, 200));
    await until(() => shard.pending.length === 200, 5000, 'first reads');
    shard.commit();
    await until(() => p.stats().rowsAcked === 200, 5000, 'first ack');
    await p.write(rowsOf(200, 300));
    await until(() => shard.pending.length === 300, 5000, 'uncommitted reads');

    proxy.cut();
    // The worker holds the 300 rows (taken, not durable); the producer resends them after `opened`.
    await until(() => p.stats().rowsResent === 300, 10_000, 'resend');
    shard.holdCommits = false;
    shard.commit();
    await p.flush();

    expect(shard.committed.map((r) => rowOf(r).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(shard.pushedRows).toBe(500); // the resent batches were dropped as resends
    expect(p.stats()).toMatchObject({ rowsAcked: 500, unackedRows: 0, rowsResent: 300 });
    expect(p.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it("producer — resent batches carry their rows' kinds: a shard's new worker reads each row with its kind", async () => {
    const routing = routingOf('t-1', model, 1);
    const control = await startControl({ routing: () => routing });
    cleanup.push(() => control.close());
    const a = await TestWorker.start('a');
    cleanup.push(() => a.close());
    const first = await a
      .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1 }))
      .start();
    Object.assign(routing.routes[0], { workerId: 'a', ingestAddress: a.address, epoch: 1 });

    const p = new Producer({ coordinator: control.address, table: 'events', batchRows: 40, logger: silent });
    cleanup.push(() => p.close({ signal: AbortSignal.timeout(2000) }).catch(() => {}));
    // Update-afters (2) among inserts, in runs that straddle batches; the table is an append table.
    const kindOf = (i: number) => (i % 7 < 3 ? ROW_UPDATE_AFTER : ROW_INSERT);
    const kinds = (from: number, n: number) => Array.from({ length: n }, (_, k) => kindOf(from + k));
    await p.write(rowsOf(0, 100), { kinds: kinds(0, 100) });
    await p.flush();
    // Read on A, never committed: lost with A, resent to B with their kinds.
    first.holdCommits = true;
    await p.write(rowsOf(100, 100), { kinds: kinds(100, 100) });
    await p.write(rowsOf(200, 60)); // no kinds: all inserts
    await until(() => first.pending.length === 160, 5000, 'uncommitted reads');
    Object.assign(routing.routes[0], { workerId: '', ingestAddress: '' });
    await a.kill();

    const b = await TestWorker.start('b');
    cleanup.push(() => b.close());
    const second = await b
      .host(new TestShard({ tableId: 't-1', tableName: model.name, shard: 0, shards: 1, epoch: 2 }))
      .start(first.lastCommitted);
    Object.assign(routing.routes[0], { workerId: 'b', ingestAddress: b.address, epoch: 2 });
    await p.flush();

    expect(p.stats().rowsResent).toBeGreaterThanOrEqual(160);
    expect(second.committed.map((r) => rowOf(r).i)).toEqual(Array.from({ length: 160 }, (_, i) => 100 + i));
    const union = [...first.committed, ...second.committed];
    expect(union.map((r) => r.kind)).toEqual([
      ...kinds(0, 200),
      ...Array.from({ length: 60 }, () => ROW_INSERT),
    ]);
  });
});
