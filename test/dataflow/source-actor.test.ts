import { describe, expect, it } from 'vitest';
import type { ShardActor, ShardMsg } from '../../src/dataflow/shard-actor.js';
import { MisroutedRowsError, SourceActor } from '../../src/dataflow/source-actor.js';
import type { SourceReader } from '../../src/dataflow/sources/source.js';
import { SlotRouter } from '../../src/plan/router.js';
import { recordingLogger, table } from '../support/sink.js';

const t = table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' });

function reader(rows: object[]): SourceReader {
  let done = false;
  return {
    channel: 'c',
    async read() {
      if (done) return null;
      done = true;
      return { rows, partition: 'p', offsets: rows.map((_, i) => i) };
    },
    position: () => 0,
    close: async () => {},
  };
}

/** Runs one batch through a source actor hosting shards `hosted` of 4; the rows each got, or the failure. */
async function run(
  rows: object[],
  hosted: number[],
): Promise<{ got: Map<number, object[]>; error?: unknown }> {
  const got = new Map<number, object[]>();
  const shards: ShardActor[] = [];
  for (const s of hosted) {
    shards[s] = {
      deliver: async (m: ShardMsg) => {
        if (m.type === 'rows') got.set(s, [...(got.get(s) ?? []), ...m.rows]);
      },
    } as unknown as ShardActor;
  }
  let error: unknown;
  await new Promise<void>((resolve) => {
    const actor = new SourceActor({
      reader: reader(rows),
      outputs: [{ router: new SlotRouter(t, 4), shards }],
      batchSize: 100,
      onBarrier: () => {},
      onFinished: () => resolve(),
      parent: {
        onChildFailed: (_c, err) => {
          error = err;
          resolve();
        },
      },
      logger: recordingLogger().logger,
    });
    actor.start();
  });
  return { got, error };
}

describe('source actor', () => {
  const router = new SlotRouter(t, 4);
  const rows = Array.from({ length: 200 }, (_, i) => ({ id: `k${i}` }));
  const of = (s: number) => rows.filter((r) => router.shardOf(r) === s);

  it('source actor — one hosted shard takes its whole batch in order', async () => {
    const { got, error } = await run(of(2), [2]);
    expect(error).toBeUndefined();
    expect(got.get(2)).toEqual(of(2));
  });

  it('source actor — a batch for another shard than the one hosted fails as misrouted', async () => {
    const { got, error } = await run(of(1), [2]);
    expect(error).toBeInstanceOf(MisroutedRowsError);
    expect((error as MisroutedRowsError).shard).toBe(1);
    expect(got.size).toBe(0);
  });

  it('source actor — several hosted shards still route every row', async () => {
    const { got, error } = await run(rows, [0, 1, 2, 3]);
    expect(error).toBeUndefined();
    for (let s = 0; s < 4; s++) expect(got.get(s)).toEqual(of(s));
    const partial = await run([...of(0), ...of(3)], [0, 1]);
    expect(partial.error).toBeInstanceOf(MisroutedRowsError);
  });
});
