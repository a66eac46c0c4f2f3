import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { validateTable } from '../../src/sink/config/validate-model.js';
import type { SinkTable } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { RowEncoding, type WriteRequest } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import { keyedItem, keyedPayload } from '../../src/wire/keyed-rows.js';
import { rawWrite } from '../support/ingest-harness.js';
import { type RuntimeFixture, runtimeFixture, stringTable } from '../support/runtime.js';
import { until } from '../support/until.js';

/**
 * A real worker checks the shard of every row of a batch: a row of another shard is refused with
 * the batch — back to the producer that sent it — and never reaches the shard's actors, which
 * would write it as the wrong shard (a later row) or fail for every producer on the shard (the
 * first row).
 */
describe('worker — rows routed to the wrong shard', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    f = await runtimeFixture({ workers: 1, tables: { mr: stringTable('mr:') } });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  it('a batch for shard 1 holding a shard-0 row (first or later) is refused; the shard goes on taking rows', async () => {
    const plane = rt.coordinator.plane;
    const routing = await until(
      'shard 1 placed',
      () => plane.tableRouting('mr'),
      (r) => r.routes[1].ingestAddress !== '',
    );
    const model = validateTable(routing.model as unknown as SinkTable);
    const enc = new RowEncoder(model);
    const ids = Array.from({ length: 64 }, (_, i) => `k${i}`);
    const mine = ids.filter((id) => keySlot(`mr:${id}`) >= 8192);
    const other = ids.filter((id) => keySlot(`mr:${id}`) < 8192);
    const batchOf = (list: string[]): WriteRequest => ({
      kind: {
        $case: 'batch',
        value: {
          seq: 0,
          rows: list.length,
          encoding: RowEncoding.ROW_ENCODING_KEYED,
          kinds: Buffer.alloc(0),
          payload: keyedPayload(
            list.map((id, i) => keyedItem(enc, { id, n: i }, i)),
            false,
          ),
        },
      },
    });
    const write = (producerId: string, list: string[]) =>
      rawWrite(routing.routes[1].ingestAddress, [
        { kind: { $case: 'open', value: { tableId: routing.tableId, shard: 1, producerId } } },
        batchOf(list),
        { kind: { $case: 'flush', value: {} } },
      ]);
    const later = await write('misrouted-later', [mine[0], other[0]]);
    expect(later.code).toBe(status.INVALID_ARGUMENT);
    expect(later.details).toMatch(/row 1 routes to shard 0 of mr, not to shard 1/);
    const first = await write('misrouted-first', [other[1], mine[1]]);
    expect(first.code).toBe(status.INVALID_ARGUMENT);
    expect(first.details).toMatch(/row 0 routes to shard 0 of mr, not to shard 1/);

    // The shard never failed: a producer writes to both shards, and everything lands.
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'mr' });
    const written = Array.from({ length: 32 }, (_, i) => `p${i}`);
    try {
      await p.write(written.map((id) => ({ id, by: 'producer' })));
      await p.flush();
    } finally {
      await p.close();
    }
    for (const id of written) {
      const got = (await client.send(['GET', `mr:${id}`])) as Buffer | null;
      expect(JSON.parse(String(got))).toEqual({ id, by: 'producer' });
    }
    // Nothing of the refused batches was written.
    for (const id of [mine[0], other[0], other[1], mine[1]]) {
      expect(await client.send(['GET', `mr:${id}`])).toBeNull();
    }
    const stillOne = await plane.tableRouting('mr');
    expect(stillOne.routes[1].epoch).toBe(routing.routes[1].epoch);
  }, 60_000);
});
