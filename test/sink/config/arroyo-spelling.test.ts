import { beforeAll, describe, expect, test } from 'vitest';
import { LookupConfigError, parseLookupTable } from '../../../src/lookup/index.js';
import {
  loadSqlParser,
  parseCreateTable,
  parseTable,
  SinkConfigError,
} from '../../../src/sink/config/index.js';
import { tableOf } from '../../../src/sink/create-sink.js';
import { compileSqlScript } from '../../../src/sql/compile-script.js';

beforeAll(() => loadSqlParser());

const BASE = `connector = 'redis', address = 'redis://127.0.0.1:6379', type = 'sink'`;

function table(options: string, columns = 'k TEXT NOT NULL, v TEXT'): string {
  return `CREATE TABLE t (${columns}) WITH (${BASE}, ${options})`;
}

async function sinkError(sql: string): Promise<SinkConfigError> {
  const e = await parseCreateTable(sql).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(SinkConfigError);
  return e as SinkConfigError;
}

describe("sink config — Arroyo's spelling", () => {
  test.each([
    [
      'string',
      `target = 'string', 'target.key_prefix' = 'u:', 'target.key_column' = 'k', 'target.ttl_secs' = '60'`,
      `'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.key_column' = 'k', 'sink.ttl_secs' = '60'`,
    ],
    [
      'list',
      `target = 'list', 'target.key_prefix' = 'l:', 'target.key_column' = 'k', 'target.max_length' = '10', 'target.operation' = 'prepend'`,
      `'sink.type' = 'list', 'sink.list_prefix' = 'l:', 'sink.list_key_column' = 'k', 'sink.max_length' = '10', 'sink.operation' = 'Prepend'`,
    ],
    [
      'hash',
      `target = 'hash', 'target.key_prefix' = 'h:', 'target.key_column' = 'k', 'target.field_column' = 'v'`,
      `'sink.type' = 'hash', 'sink.hash_key_prefix' = 'h:', 'sink.hash_key_column' = 'k', 'sink.hash_field_column' = 'v'`,
    ],
    [
      'bad_data = drop',
      `'sink.key_prefix' = 'u:', bad_data = 'drop'`,
      `'sink.key_prefix' = 'u:', 'sink.on_error' = 'skip'`,
    ],
    [
      'bad_data = fail',
      `'sink.key_prefix' = 'u:', bad_data = 'fail'`,
      `'sink.key_prefix' = 'u:', 'sink.on_error' = 'fail'`,
    ],
    [
      'format raw_string',
      `'sink.key_prefix' = 'u:', 'sink.key_column' = 'k', format = 'raw_string'`,
      `'sink.key_prefix' = 'u:', 'sink.key_column' = 'k', format = 'raw'`,
    ],
  ])("sink config — Arroyo's %s spelling gives the model of ours", async (_, arroyo, ours) => {
    expect(await parseCreateTable(table(arroyo))).toStrictEqual(await parseCreateTable(table(ours)));
  });

  test("sink config — a target option of Arroyo's names our option when the type is not Arroyo's", async () => {
    const e = await sinkError(
      table(`target = 'set', 'target.key_prefix' = 's:', 'sink.member_column' = 'v'`),
    );
    expect(e.option).toBe('target.key_prefix');
    expect(e.message).toContain("write this target's own 'sink.*' option");
  });

  test("sink config — 'target.*' without a target type says to give one", async () => {
    const e = await sinkError(table(`'target.key_prefix' = 'u:'`));
    expect(e.message).toContain("give target = 'string', 'list' or 'hash' (or 'sink.type')");
  });

  test("sink config — Arroyo's and our spelling of one option together are refused, naming both", async () => {
    const e = await sinkError(
      table(`target = 'string', 'target.key_prefix' = 'a:', 'sink.key_prefix' = 'b:'`),
    );
    expect(e.message).toContain(
      "option 'target.key_prefix' is Arroyo's spelling of 'sink.key_prefix', which is given too",
    );
  });

  test("sink config — errors about an option written in Arroyo's spelling name that spelling", async () => {
    const e = await sinkError(
      table(`target = 'list', 'target.key_prefix' = 'l:', 'target.max_length' = '0'`),
    );
    expect(e.option).toBe('target.max_length');
  });

  test.each([
    ['framing', `'sink.key_prefix' = 'u:', framing = 'newline'`, 'no equivalent'],
    [
      'json.timestamp_format',
      `'sink.key_prefix' = 'u:', 'json.timestamp_format' = 'rfc3339'`,
      'no equivalent',
    ],
    ['bad_data', `'sink.key_prefix' = 'u:', bad_data = 'ignore'`, "'sink.on_error' also takes 'dead_letter'"],
    ['bad_data', `'sink.key_prefix' = 'u:', bad_data = 'constructor'`, "must be 'fail' or 'drop'"],
    ['constructor', `'sink.key_prefix' = 'u:', "constructor" = 'x'`, 'is not a known option'],
    ['format', `'sink.key_prefix' = 'u:', format = 'toString'`, "must be one of 'json', 'raw'"],
    [
      'sink.flush_interval_ms',
      `'sink.key_prefix' = 'u:', 'sink.flush_interval_ms' = interval '5 constructor'`,
      'millisecond(s), second(s)',
    ],
  ])("sink config — Arroyo's %s is refused with what to write instead", async (option, options, says) => {
    const e = await sinkError(table(options));
    expect(e.option).toBe(option);
    expect(e.message).toContain(says);
  });

  test('sink config — interval literals give the flush interval and the TTL', async () => {
    const t = await parseCreateTable(
      table(
        `'sink.key_prefix' = 'u:', 'sink.flush_interval_ms' = interval '250' millisecond, 'sink.ttl_secs' = interval '2' hours`,
      ),
    );
    expect(t.flushIntervalMs).toBe(250);
    expect(t.target).toMatchObject({ ttlSecs: 7200 });
    const words = await parseCreateTable(
      table(`'sink.key_prefix' = 'u:', 'sink.flush_interval_ms' = INTERVAL '1 minute 30 seconds'`),
    );
    expect(words.flushIntervalMs).toBe(90_000);
    const arroyo = await parseCreateTable(
      table(`target = 'string', 'target.key_prefix' = 'u:', 'target.ttl_secs' = interval '1' day`),
    );
    expect(arroyo.target).toMatchObject({ ttlSecs: 86_400 });
  });

  test('sink config — an interval is refused where no duration is taken, or in part seconds for a TTL', async () => {
    const batch = await sinkError(table(`'sink.key_prefix' = 'u:', 'sink.batch_size' = interval '5' second`));
    expect(batch.option).toBe('sink.batch_size');
    expect(batch.message).toContain(
      "takes no interval (of the sink's options, 'sink.flush_interval_ms' and 'sink.ttl_secs' do)",
    );
    const ttl = await sinkError(
      table(`'sink.key_prefix' = 'u:', 'sink.ttl_secs' = interval '1500' millisecond`),
    );
    expect(ttl.message).toContain('whole number of seconds');
    const months = await sinkError(
      table(`'sink.key_prefix' = 'u:', 'sink.flush_interval_ms' = interval '1' month`),
    );
    expect(months.message).toContain('millisecond(s), second(s), minute(s), hour(s), day(s)');
  });
});

const LOOKUP = `CREATE TEMPORARY TABLE users (id TEXT METADATA FROM 'key', name TEXT) WITH (connector = 'redis', address = 'redis://127.0.0.1:6379'`;

describe("lookup config — Arroyo's spelling", () => {
  test("lookup config — 'lookup.cache.ttl' = interval '5' second is the model of '5s'", async () => {
    const arroyo = await parseLookupTable(`${LOOKUP}, 'lookup.cache.ttl' = interval '5' second)`);
    const ours = await parseLookupTable(`${LOOKUP}, 'lookup.cache.ttl' = '5s')`);
    expect(arroyo).toStrictEqual(ours);
    expect(arroyo.cache?.ttlMs).toBe(5000);
    const timeout = await parseLookupTable(`${LOOKUP}, 'lookup.timeout' = interval '1.5' seconds)`);
    expect(timeout.timeoutMs).toBe(1500);
  });

  test("lookup config — format 'raw_string' reads as 'raw'", async () => {
    const arroyo = await parseLookupTable(`${LOOKUP}, format = 'raw_string')`);
    expect(arroyo).toStrictEqual(await parseLookupTable(`${LOOKUP}, format = 'raw')`));
  });

  test("lookup config — bad_data names 'lookup.bad_value'; an interval elsewhere is refused", async () => {
    const bad = await parseLookupTable(`${LOOKUP}, bad_data = 'drop')`).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(LookupConfigError);
    expect((bad as LookupConfigError).message).toContain("'lookup.bad_value'");
    const iv = await parseLookupTable(`${LOOKUP}, 'lookup.max_attempts' = interval '2' second)`).catch(
      (e: unknown) => e,
    );
    expect((iv as LookupConfigError).option).toBe('lookup.max_attempts');
    expect((iv as LookupConfigError).message).toContain('takes no interval');
  });
});

describe('sql sources — interval literals', () => {
  const source = (step: string, rate = `'5'`) => `CREATE TABLE g (ts TIMESTAMP) WITH (
    connector = 'generator', partitions = '1', rows_per_partition = '3', rate = ${rate},
    'fields.ts.step_ms' = ${step}
  );
  CREATE TABLE out (ts TIMESTAMP) WITH (connector = 'redis', address = 'redis://127.0.0.1:6379', type = 'sink',
    'sink.list_prefix' = 'ts', 'sink.operation' = 'Append');
  INSERT INTO out SELECT ts FROM g;`;

  test("sql sources — 'fields.<column>.step_ms' takes an interval; other source options refuse one", async () => {
    const spec = await compileSqlScript(source(`interval '1' minute`), { name: 's' });
    expect(spec.sources[0]).toMatchObject({ columns: [{ name: 'ts', stepMs: 60_000 }] });
    const e = await compileSqlScript(source(`'60000'`, `interval '5' second`), { name: 's' }).catch(
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('takes no interval');
  });

  test("sql scripts — a sink table in Arroyo's spelling compiles to the model of ours", async () => {
    const arroyo = source(`'60000'`).replace(
      `'sink.list_prefix' = 'ts', 'sink.operation' = 'Append'`,
      `target = 'list', 'target.key_prefix' = 'ts', 'target.operation' = 'append', 'sink.flush_interval_ms' = interval '1' second`,
    );
    const spec = await compileSqlScript(arroyo, { name: 's' });
    const ours = await compileSqlScript(
      source(`'60000'`).replace(
        `'sink.operation' = 'Append'`,
        `'sink.operation' = 'Append', 'sink.flush_interval_ms' = '1000'`,
      ),
      { name: 's' },
    );
    // A script keeps each sink table as its statement; the model is read from it when the job runs.
    const model = async (tables: unknown[]) => tableOf({ sql: (tables[0] as { sql: string }).sql });
    expect(await model(spec.tables)).toStrictEqual(await model(ours.tables));
    expect(await model(spec.tables)).toMatchObject({
      target: { type: 'list', listPrefix: 'ts' },
      flushIntervalMs: 1000,
    });
  });
});

describe("sink config — Arroyo's JSON body", () => {
  const profile = {
    name: 'p',
    connection: { kind: 'standalone' as const, address: 'redis://127.0.0.1:6379' },
  };
  const target = { listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' };

  test("sink config — Arroyo's connection_profile_id, schema fields, format and bad_data give the model of ours", () => {
    const arroyo = parseTable(
      {
        name: 't',
        connector: 'redis',
        connection_profile_id: 'prof_1',
        config: { connectorType: { target } },
        schema: {
          format: { type: 'raw_string' },
          bad_data: { behavior: 'drop' },
          framing: null,
          definition: null,
          inferred: null,
          primary_keys: [],
          fields: [
            { name: 'k', type: 'string', required: true, sql_name: 'TEXT', metadata_key: null },
            { name: 'value', type: 'utf8' },
          ],
        },
      },
      profile,
    );
    const ours = parseTable(
      {
        name: 't',
        connector: 'redis',
        connectionProfileId: 'prof_1',
        config: { connectorType: { target }, format: 'raw', sink: { onError: 'skip' } },
        schema: {
          fields: [
            { name: 'k', data_type: 'TEXT', nullable: false },
            { name: 'value', data_type: 'TEXT' },
          ],
        },
      },
      profile,
    );
    expect(arroyo).toStrictEqual(ours);
  });

  test.each([
    [{ fields: [{ name: 'k', type: 'constructor' }] }, 'schema.fields[0].type', 'must be an Arroyo type'],
    [
      { fields: [{ name: 'k', type: 'uint64' }] },
      'schema.fields[0].type',
      'must be an Arroyo type this sink writes',
    ],
    [
      { fields: [{ name: 'k', type: 'string' }], framing: { method: 'newline' } },
      'schema.framing',
      'no equivalent',
    ],
    [
      { fields: [{ name: 'k', type: 'string' }], format: { type: 'avro' } },
      'schema.format.type',
      "'config.format'",
    ],
    [
      { fields: [{ name: 'k', type: 'string', metadata_key: 'key' }] },
      'schema.fields[0].metadata_key',
      'lookup',
    ],
  ])("sink config — Arroyo's schema %j is refused naming what to write", (schema, option, says) => {
    let error: unknown;
    try {
      parseTable({ name: 't', connector: 'redis', config: { connectorType: { target } }, schema }, profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SinkConfigError);
    expect((error as SinkConfigError).option).toBe(option);
    expect((error as SinkConfigError).message).toContain(says);
  });
});
