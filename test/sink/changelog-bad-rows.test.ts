/**
 * Retractions a table cannot apply follow its `'sink.on_error'` policy like any bad row, with a
 * reason that says what was refused: a retraction into an `append` table, a delete without a
 * key, a kind that is none of the four. And the update-before an update-after rewrites is
 * merged, not sent.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import { validateTable } from '../../src/sink/config/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import { BadRowError } from '../../src/sink/errors.js';
import type { OnError, SinkMode } from '../../src/sink/model.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { table } from '../support/sink.js';

const silent = pino({ level: 'silent' });
let server: RedisServer;
let client: RedisClient;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  client = await createClient(server.url);
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

async function stringSink(mode: SinkMode, onError: OnError) {
  const name = `bad${++n}`;
  const model = validateTable(
    table(
      { type: 'string', keyPrefix: `${name}:`, keyColumn: 'id' },
      {
        name,
        profile: { name: 'p', connection: { kind: 'standalone', address: server.url } },
        onError,
        ...(mode === 'upsert' ? { mode } : {}),
      },
    ),
  );
  return { name, sink: await createSink({ model }, { logger: silent }) };
}

describe('changelog bad rows — each follows the table policy with a clear reason', () => {
  it("changelog bad rows — a delete into an 'append' table fails the sink, naming 'sink.mode'", async () => {
    const { name, sink } = await stringSink('append', 'fail');
    const err = await sink
      .write([{ id: 'a', v: 1 }, { id: 'a' }, { id: 'b', v: 2 }], {
        kinds: [ROW_INSERT, ROW_DELETE, ROW_INSERT],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).reason).toBe(
      `a delete (-D) cannot be applied: table '${name}' is an 'append' table, which only adds rows and cannot apply deletes or update-befores; set 'sink.mode' = 'upsert' to apply them`,
    );
    expect((err as BadRowError).position.index).toBe(1);
    await sink.close().catch(() => {});
    // The row before the bad one was written; the one after it was not.
    expect(await client.send(['GET', `${name}:a`])).not.toBeNull();
    expect(await client.send(['GET', `${name}:b`])).toBeNull();
  });

  it("changelog bad rows — an update-before into an 'append' table is dead-lettered with its reason", async () => {
    const { name, sink } = await stringSink('append', 'dead_letter');
    await sink.write(
      [
        { id: 'a', v: 1 },
        { id: 'a', v: 1 },
        { id: 'a', v: 2 },
      ],
      {
        kinds: [ROW_INSERT, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER],
      },
    );
    await sink.close();
    const dead = (await client.send(['LRANGE', `${name}:dead_letter`, 0, -1])) as string[];
    expect(dead).toHaveLength(1);
    const entry = JSON.parse(String(dead[0]));
    expect(entry.reason).toContain('a retraction (-U)');
    expect(entry.row).toEqual({ id: 'a', v: 1 });
    expect(JSON.parse(String(await client.send(['GET', `${name}:a`])))).toEqual({ id: 'a', v: 2 });
    expect(sink.stats.rowsDeadLettered).toBe(1);
  });

  it('changelog bad rows — a delete without a key is skipped under skip, the others applied', async () => {
    const { name, sink } = await stringSink('upsert', 'skip');
    await sink.write(
      [
        { id: 'a', v: 1 },
        { id: 'b', v: 1 },
      ],
      { kinds: [ROW_INSERT, ROW_INSERT] },
    );
    await sink.write([{ v: 1 }, { id: null }, { id: 'a' }], { kinds: [ROW_DELETE, ROW_DELETE, ROW_DELETE] });
    await sink.close();
    expect(sink.stats.rowsSkipped).toBe(2);
    expect(await client.send(['GET', `${name}:a`])).toBeNull();
    expect(await client.send(['GET', `${name}:b`])).not.toBeNull();
  });

  it('changelog bad rows — a delete without a key fails with the reason under fail', async () => {
    const { sink } = await stringSink('upsert', 'fail');
    const err = await sink.write([{ v: 1 }], { kinds: [ROW_DELETE] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).reason).toBe("a delete (-D) without a key: key column 'id' is missing");
    await sink.close().catch(() => {});
  });

  it('changelog bad rows — a kind that is none of the four is a bad row', async () => {
    const { sink } = await stringSink('upsert', 'skip');
    await sink.write([{ id: 'a', v: 1 }], { kinds: [7] });
    await sink.close();
    expect(sink.stats.rowsSkipped).toBe(1);
  });

  it('changelog bad rows — an update-before followed by its update-after is merged, not sent', async () => {
    const { name, sink } = await stringSink('upsert', 'fail');
    await sink.write([{ id: 'a', v: 1 }], { kinds: [ROW_INSERT] });
    await sink.flush();
    await sink.write(
      [
        { id: 'a', v: 1 },
        { id: 'a', v: 2 },
        { id: 'b', v: 1 },
        { id: 'c', v: 1 },
      ],
      { kinds: [ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER] },
    );
    await sink.close();
    expect(sink.stats.rowsMerged).toBe(1);
    expect(JSON.parse(String(await client.send(['GET', `${name}:a`])))).toEqual({ id: 'a', v: 2 });
    expect(JSON.parse(String(await client.send(['GET', `${name}:c`])))).toEqual({ id: 'c', v: 1 });
  });
});
