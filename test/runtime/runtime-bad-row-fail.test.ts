import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import { ProducerFailedError } from '../../src/producer/producer-errors.js';
import type { RedisClient } from '../../src/resp/client.js';
import { silent } from '../support/ingest-harness.js';
import { listTables, type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * A table whose shard fails the same way every time it replays its rows — a bad row under
 * `'sink.on_error' = 'fail'`, or a key of the wrong type — fails: its routing answers with the
 * reason (the control API), and its producers fail with it instead of waiting on a shard that
 * restarts forever.
 */
describe('runtime — a shard that keeps failing on the same rows fails its table', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    const table = (prefix: string, sink: Record<string, unknown>) => ({
      config: { connectorType: { target: { keyPrefix: prefix, keyColumn: 'id' } }, sink },
      shards: 2,
    });
    f = await runtimeFixture({
      workers: 2,
      tables: {
        fl: table('fl:', { onError: 'fail' }),
        ...listTables({ wt: { prefix: 'wt:', shards: 2 } }),
      },
    });
    ({ client, rt } = f);
  });

  afterAll(() => f?.stop());

  /** The table's routing through the HTTP control API. */
  const routing = async (table: string) => {
    const res = await fetch(`http://${rt.httpAddress}/v1/connection_tables/${table}/routing`);
    return {
      status: res.status,
      body: (await res.json()) as { error?: { status: string; message: string } },
    };
  };

  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as ProducerFailedError,
    );

  it("a bad row under 'fail' fails the table with the row's reason; every producer of the table is told", async () => {
    // A bystander with a flush pending on the table, and the producer that sends the bad row.
    const bystander = new Producer({ coordinator: rt.grpcAddress, table: 'fl', logger: silent });
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'fl', logger: silent });
    try {
      await p.write([{ id: 'a', n: 1 }]);
      await p.flush();
      expect(String(await client.send(['GET', 'fl:a']))).toBe('{"id":"a","n":1}');
      await bystander.write([{ id: 'b', n: 2 }]);
      const pending = failureOf(bystander.flush());
      await p.write([
        { id: 'c', n: 3 },
        { id: null, n: 4 },
        { id: 'd', n: 5 },
      ]);
      const err = await failureOf(p.flush());
      expect(err).toBeInstanceOf(ProducerFailedError);
      expect(err).toMatchObject({ reason: 'TABLE_FAILED' });
      expect(err!.message).toMatch(/table fl failed: shard \d: \[ERR_BAD_ROW\].*key column 'id' is null/);
      await expect(p.write([{ id: 'e' }])).rejects.toBe(err);
      // The bystander's flush either made it before the table failed, or rejects with its reason.
      const other = await pending;
      if (other !== null) expect(other.message).toMatch(/key column 'id' is null/);
      await expect(bystander.flush()).rejects.toMatchObject({ reason: 'TABLE_FAILED' });
      // The control API shows the table failed, with the row's reason.
      const r = await routing('fl');
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ status: 'FAILED_PRECONDITION' });
      expect(r.body.error!.message).toMatch(/table fl failed: .*key column 'id' is null/);
      // …and so does the table itself.
      const view = (await (await fetch(`http://${rt.httpAddress}/v1/connection_tables/fl`)).json()) as {
        state: string;
        error?: string;
      };
      expect(view.state).toBe('failed');
      expect(view.error).toMatch(/key column 'id' is null/);
      // A producer that starts now fails at once.
      const late = new Producer({
        coordinator: rt.grpcAddress,
        table: 'fl',
        retryTimeoutMs: 600_000,
        logger: silent,
      });
      await expect(late.write([{ id: 'f' }])).rejects.toMatchObject({ reason: 'TABLE_FAILED' });
      await late.close().catch(() => {});
    } finally {
      await p.close().catch(() => {});
      await bystander.close().catch(() => {});
    }
  }, 60_000);

  it('a write Redis refuses on every replay (WRONGTYPE) fails the table after its restarts, checkpoints between them notwithstanding', async () => {
    await client.send(['SET', 'wt:x', 'not a list']);
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'wt', logger: silent });
    try {
      await p.write([{ k: 'x', n: 1 }]);
      const err = await failureOf(p.flush());
      expect(err).toMatchObject({ reason: 'TABLE_FAILED' });
      expect(err!.message).toMatch(/table wt failed: shard \d failed 5 times in a row; last: .*WRONGTYPE/);
      expect((await routing('wt')).status).toBe(409);
      const tables = (await (await fetch(`http://${rt.httpAddress}/v1/connection_tables`)).json()) as {
        data: Array<{ name: string; state: string }>;
      };
      expect(tables.data.find((t) => t.name === 'wt')?.state).toBe('failed');
      expect(tables.data.find((t) => t.name === 'fl')?.state).toBe('failed');
    } finally {
      await p.close().catch(() => {});
    }
  }, 90_000);
});
