import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/plan/job-spec.js';
import { JobSpecError } from '../../src/plan/job-spec-error.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { PipelineSqlError } from '../../src/sql/errors.js';

const SINK = `CREATE TABLE out (id TEXT, amount DOUBLE) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', 'sink.type' = 'string', 'sink.key_prefix' = 'o:', 'sink.key_column' = 'id');`;

const script = (options: string, columns = '(id TEXT, amount DOUBLE)') =>
  `CREATE TABLE orders ${columns} WITH (connector = 'redis', type = 'source', ${options});\n${SINK}\nINSERT INTO out SELECT id, amount FROM orders;`;

const compile = (sql: string, extra: { redisAddress?: string } = {}) =>
  compileSqlScript(sql, { name: 'job', ...extra });

describe('redis stream source tables', () => {
  it("stream source DDL — connector = 'redis', type = 'source' declares a stream source with its 'source.*' options", async () => {
    const spec = await compile(
      script(`address = 'redis://127.0.0.1:6390', 'source.streams' = 'orders:eu, orders:us',
        'source.group' = 'laminar', 'source.consumer' = 'worker-1', 'source.start' = '0',
        'source.format' = 'fields', 'source.claim_idle_ms' = '30000', 'source.batch' = '1000',
        'source.poll_ms' = '25'`),
    );
    expect(spec.sources).toEqual([
      {
        type: 'redis-stream',
        name: 'orders',
        profile: { name: 'orders', connection: { kind: 'standalone', address: 'redis://127.0.0.1:6390' } },
        streams: ['orders:eu', 'orders:us'],
        group: 'laminar',
        consumer: 'worker-1',
        start: '0',
        format: 'fields',
        claimIdleMs: 30000,
        batch: 1000,
        pollMs: 25,
        columns: [
          { name: 'id', type: 'TEXT', nullable: true },
          { name: 'amount', type: 'DOUBLE', nullable: true },
        ],
      },
    ]);
    // The compiled spec is a valid job spec, as the job runner reads it.
    const job = parseJobSpec({ ...spec, checkpoint: { dir: '/tmp/cp' } });
    expect(job.sources[0]).toMatchObject({ type: 'redis-stream', group: 'laminar' });
  });

  it('stream source DDL — a pattern, a cluster and the --redis override', async () => {
    const spec = await compile(
      script(`'cluster.addresses' = 'redis://127.0.0.1:7000,redis://127.0.0.1:7001',
        'source.stream_pattern' = 'orders:*', 'source.group' = 'g', 'source.json_field' = 'payload'`),
    );
    expect(spec.sources[0]).toMatchObject({
      pattern: 'orders:*',
      jsonField: 'payload',
      profile: {
        connection: { kind: 'cluster', addresses: ['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001'] },
      },
    });
    const over = await compile(
      script(`address = 'redis://elsewhere:1', 'source.streams' = 's', 'source.group' = 'g'`),
      {
        redisAddress: 'redis://127.0.0.1:6391',
      },
    );
    expect(over.sources[0]).toMatchObject({
      profile: { connection: { kind: 'standalone', address: 'redis://127.0.0.1:6391' } },
    });
  });

  it.each([
    [
      "'source.stream' = 's', 'source.group' = 'g'",
      "option 'source.stream' is not a known option of a Redis stream source (did you mean 'source.streams'?)",
    ],
    ["'source.streams' = 's'", "option 'source.group' is required"],
    [
      "'source.group' = 'g'",
      "option 'source.streams' is required: give 'source.streams' or 'source.stream_pattern'",
    ],
    [
      "'source.streams' = 's', 'source.group' = 'g', 'source.start' = 'latest'",
      "option 'source.start' must be '$', '0' or an entry ID",
    ],
    [
      "'source.streams' = 's', 'source.group' = 'g', 'source.format' = 'csv'",
      "option 'source.format' must be one of 'json', 'fields'",
    ],
    [
      "'source.streams' = 's', 'source.group' = 'g', 'source.claim_idle_ms' = '-5'",
      "option 'source.claim_idle_ms' must be a positive integer",
    ],
    [
      "'source.streams' = 's', 'source.group' = 'g', 'source.consumer' = 'a~1'",
      "option 'source.consumer' must not contain '~'",
    ],
    ["'source.streams' = 's,s', 'source.group' = 'g'", "option 'source.streams' names a stream twice"],
    [
      "'source.streams' = 's', 'source.group' = 'g', 'source.format' = 'fields', 'source.json_field' = 'x'",
      "option 'source.json_field' applies to the 'json' format only",
    ],
  ])('stream source DDL — %s is refused, naming the table and the option', async (options, message) => {
    const err = await compile(script(`address = 'redis://127.0.0.1:6390', ${options}`)).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineSqlError);
    expect(err.message).toContain(`table 'orders': ${message}`);
  });

  it('stream source DDL — the password is never part of an error', async () => {
    const err = await compile(
      script(`address = 'redis://127.0.0.1:6390', password = 's3cret-pw', 'source.streams' = 's'`),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineSqlError);
    expect(err.message).not.toContain('s3cret-pw');
  });

  it('stream source job spec — the JSON form takes address or addresses, and reports fields by path', () => {
    const base = { name: 'j', tables: [{ sql: SINK }], checkpoint: { dir: '/tmp/cp' } };
    const job = parseJobSpec({
      ...base,
      sources: [
        {
          type: 'redis-stream',
          name: 's',
          addresses: ['redis://127.0.0.1:7000'],
          streams: ['a'],
          group: 'g',
        },
      ],
    });
    expect(job.sources[0]).toMatchObject({ profile: { connection: { kind: 'cluster' } }, streams: ['a'] });
    const bad = (source: object) => () =>
      parseJobSpec({ ...base, sources: [{ type: 'redis-stream', name: 's', ...source }] });
    expect(bad({ address: 'redis://h:1', streams: ['a'] })).toThrow(/sources\[0\]\.group.*is required/);
    expect(bad({ address: 'redis://h:1', streams: ['a'], group: 'g', claimIdle: 5 })).toThrow(JobSpecError);
    expect(bad({ streams: ['a'], group: 'g' })).toThrow(/address/);
  });
});
