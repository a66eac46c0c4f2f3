import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/plan/job-spec.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';

const SINK = `CREATE TABLE out (id TEXT, v BIGINT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', 'sink.type' = 'string', 'sink.key_prefix' = 'o:', 'sink.key_column' = 'id');`;

const script = (options: string) =>
  `CREATE TABLE events (id TEXT, v BIGINT) WITH (connector = 'redis', type = 'source', ${options});\n${SINK}\nINSERT INTO out SELECT id, v FROM events;`;

const compile = (sql: string) => compileSqlScript(sql, { name: 'job' });

describe('pub/sub source tables', () => {
  it("pub/sub source DDL — 'source.channels', 'source.patterns' and 'source.shard_channels' make a pub/sub source", async () => {
    const spec = await compile(
      script(`address = 'redis://127.0.0.1:6390', 'source.channels' = 'a, b', 'source.patterns' = 'ev.*',
        'source.shard_channels' = 's:{1}', 'source.format' = 'text', 'source.buffer_rows' = '500'`),
    );
    expect(spec.sources).toEqual([
      {
        type: 'redis-pubsub',
        name: 'events',
        profile: { name: 'events', connection: { kind: 'standalone', address: 'redis://127.0.0.1:6390' } },
        channels: ['a', 'b'],
        patterns: ['ev.*'],
        shardChannels: ['s:{1}'],
        format: 'text',
        bufferRows: 500,
        columns: [
          { name: 'id', type: 'TEXT', nullable: true },
          { name: 'v', type: 'BIGINT', nullable: true },
        ],
      },
    ]);
    const job = parseJobSpec({ ...spec, checkpoint: { dir: '/tmp/cp' } });
    expect(job.sources[0]).toMatchObject({ type: 'redis-pubsub', channels: ['a', 'b'] });
  });

  it('pub/sub source DDL — a cluster connection', async () => {
    const spec = await compile(
      script(
        `'cluster.addresses' = 'redis://127.0.0.1:7000,redis://127.0.0.1:7001', 'source.shard_channels' = 'x'`,
      ),
    );
    expect(spec.sources[0]).toMatchObject({
      type: 'redis-pubsub',
      profile: {
        connection: { kind: 'cluster', addresses: ['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001'] },
      },
    });
  });

  it('pub/sub source DDL — errors name the table and the option', async () => {
    await expect(
      compile(script(`address = 'redis://127.0.0.1:6390', 'source.channels' = 'a', 'source.chanels' = 'b'`)),
    ).rejects.toThrow(/'source.chanels'.*did you mean 'source.channels'/);
    await expect(
      compile(script(`address = 'redis://127.0.0.1:6390', 'source.channels' = 'a', 'source.format' = 'xml'`)),
    ).rejects.toThrow(/'source.format'/);
    await expect(
      compile(script(`address = 'redis://127.0.0.1:6390', 'source.channels' = 'a,a'`)),
    ).rejects.toThrow(/names one twice/);
    await expect(
      compile(
        script(`address = 'redis://127.0.0.1:6390', 'source.patterns' = 'p', 'source.buffer_rows' = '0'`),
      ),
    ).rejects.toThrow(/'source.buffer_rows'/);
    await expect(
      compile(
        script(
          `'sentinel.addresses' = 'redis://127.0.0.1:26379', 'sentinel.master' = 'm', 'source.channels' = 'a'`,
        ),
      ),
    ).rejects.toThrow(/not supported by a pub\/sub source/);
  });

  it('pub/sub source spec — the JSON form is checked too', () => {
    const base = { name: 'j', tables: [{ sql: SINK }], checkpoint: { dir: '/tmp/cp' } };
    expect(() =>
      parseJobSpec({
        ...base,
        sources: [{ type: 'redis-pubsub', name: 'e', address: 'redis://127.0.0.1:1' }],
      }),
    ).toThrow(/channels/);
    expect(() =>
      parseJobSpec({
        ...base,
        sources: [
          { type: 'redis-pubsub', name: 'e', address: 'redis://127.0.0.1:1', channels: ['c'], bogus: 1 },
        ],
      }),
    ).toThrow(/bogus/);
    const job = parseJobSpec({
      ...base,
      sources: [{ type: 'redis-pubsub', name: 'e', address: 'redis://127.0.0.1:1', patterns: ['p.*'] }],
    });
    expect(job.sources[0]).toMatchObject({ type: 'redis-pubsub', patterns: ['p.*'] });
  });
});
