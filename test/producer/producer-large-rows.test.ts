import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { silent } from '../support/ingest-harness.js';
import { type RuntimeFixture, runtimeFixture, stringTable } from '../support/runtime.js';

/**
 * A row larger than gRPC's default message limit (4 MiB) goes through a producer as it goes
 * through the sink: it travels alone in its batch, the worker takes it, and it lands — rather
 * than failing the producer for good over a row the sink writes.
 */
describe('runtime — a producer writes a row over 4 MiB as the sink does', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    f = await runtimeFixture({ workers: 1, tables: { big: stringTable('p:big:') } });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  const rows = (tag: string) => [
    { id: `${tag}-before`, n: 1 },
    { id: `${tag}-large`, text: 'x'.repeat(5 * 1024 * 1024), n: 2 },
    { id: `${tag}-after`, n: 3 },
  ];

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding}: a 5 MiB row lands with its neighbours`, async () => {
      const sink = await createSink(
        {
          model: defineTable({
            name: 'big',
            profile: { name: 'p', connection: { kind: 'standalone', address: f!.redis.url } },
            target: { type: 'string', keyPrefix: 's:big:', keyColumn: 'id' },
          }),
        },
        { logger: silent },
      );
      try {
        await sink.write(rows(encoding));
        await sink.flush();
      } finally {
        await sink.close();
      }
      const p = new Producer({ coordinator: rt.grpcAddress, table: 'big', encoding, logger: silent });
      try {
        await p.write(rows(encoding));
        await p.flush();
      } finally {
        await p.close();
      }
      for (const { id } of rows(encoding)) {
        const want = await client.send(['GET', `s:big:${id}`]);
        expect(want).not.toBeNull();
        const got = await client.send(['GET', `p:big:${id}`]);
        // Compared as text: a failed match of 5 MiB values would print them whole.
        expect(got !== null && String(got) === String(want), id).toBe(true);
      }
    }, 60_000);
  }
});
