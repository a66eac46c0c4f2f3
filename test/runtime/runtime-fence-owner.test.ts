import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { silent } from '../support/ingest-harness.js';
import { listTables, type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * Exactly-once fences belong to the table that wrote them: a list table deleted and created
 * again under the same name, written by a producer with the same id (its sequence numbers start
 * again at 0), must not find its predecessor's offsets and drop the new rows as duplicates.
 */
describe('runtime — a table created again does not inherit its fences', () => {
  let f: RuntimeFixture | undefined;

  beforeAll(async () => {
    f = await runtimeFixture({ workers: 1, tables: listTables({ q: { prefix: 'q:', shards: 2 } }) });
  });
  afterAll(() => f?.stop());

  const writeAll = async (rows: number) => {
    const p = new Producer({
      coordinator: f!.rt.grpcAddress,
      table: 'q',
      producerId: 'same-producer',
      logger: silent,
    });
    try {
      await p.write(Array.from({ length: rows }, (_, i) => ({ k: String(i % 5), n: i })));
      await p.flush();
    } finally {
      await p.close();
    }
  };
  const total = async () => {
    let n = 0;
    for (let k = 0; k < 5; k++) n += Number(await f!.client.send(['LLEN', `q:${k}`]));
    return n;
  };

  it('rows written after the table was created again all land', async () => {
    await writeAll(500);
    expect(await total()).toBe(500);
    const plane = f!.rt.coordinator.plane;
    await plane.deleteTable('q');
    const { config } = listTables({ q: { prefix: 'q:', shards: 2 } }).q;
    await plane.createTable({ name: 'q', connector: 'redis', connectionProfileId: 'p', config, shards: 2 });
    await writeAll(500);
    expect(await total()).toBe(1000);
  }, 90_000);
});
