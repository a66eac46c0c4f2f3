/**
 * The changelog options of a sink table — `'sink.mode'` and `'sink.delete_events'` — through
 * the three front doors: the same model from each, and one SinkConfigError naming the table
 * and the option (with a suggestion for a misspelt one) for every combination that cannot work.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../src/schema/connection-profile.js';
import {
  defineTable,
  loadSqlParser,
  parseCreateTableSync,
  parseTable,
  SinkConfigError,
  validateTable,
} from '../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const BASE = `connector = 'redis', address = 'redis://localhost:6379', type = 'sink'`;
const PROFILE: ConnectionProfile = {
  name: 'p',
  connection: { kind: 'standalone', address: 'redis://h:6379' },
};

function sql(options: string, columns = 'k TEXT, v TEXT') {
  return parseCreateTableSync(`CREATE TABLE t (${columns}) WITH (${BASE}, ${options})`);
}

function caught(run: () => unknown): SinkConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SinkConfigError);
    return err as SinkConfigError;
  }
  throw new Error('no error');
}

describe('changelog config — the mode from every front door', () => {
  test('changelog config — upsert: SQL, JSON and TypeScript give the same model', () => {
    const fromSql = sql(
      `'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.key_column' = 'k', 'sink.mode' = 'upsert'`,
    );
    const fromJson = parseTable(
      {
        name: 't',
        connector: 'redis',
        config: { connectorType: { target: { keyPrefix: 'u:', keyColumn: 'k' } }, sink: { mode: 'upsert' } },
        schema: {
          fields: [
            { name: 'k', data_type: 'TEXT' },
            { name: 'v', data_type: 'TEXT' },
          ],
        },
      },
      { ...fromSql.profile },
    );
    const fromTs = defineTable({
      name: 't',
      profile: PROFILE,
      target: { type: 'string', keyPrefix: 'u:', keyColumn: 'k' },
      schema: [
        { name: 'k', type: 'TEXT' },
        { name: 'v', type: 'TEXT' },
      ],
      mode: 'upsert',
    });
    expect(fromSql.mode).toBe('upsert');
    expect(fromJson).toEqual(fromSql);
    // The profiles differ in name only (SQL names its inline profile after the table).
    expect({ ...fromTs, profile: null }).toEqual({ ...fromSql, profile: null });
    expect(validateTable(fromSql)).toEqual(fromSql);
  });

  test('changelog config — append is the default and stays out of the model', () => {
    const t = sql(
      `'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.key_column' = 'k', 'sink.mode' = 'append'`,
    );
    expect(t.mode).toBeUndefined();
    expect(t.deleteEvents).toBeUndefined();
  });

  test('changelog config — a list in upsert mode with delete events: JSON, SQL and TypeScript agree', () => {
    const fromSql = sql(
      `'sink.type' = 'list', 'sink.list_prefix' = 'e:', 'sink.operation' = 'Append', 'sink.mode' = 'upsert', 'sink.delete_events' = 'true'`,
    );
    expect(fromSql.mode).toBe('upsert');
    expect(fromSql.deleteEvents).toBe(true);
    const fromJson = parseTable(
      {
        name: 't',
        connector: 'redis',
        config: {
          connectorType: { target: { listPrefix: 'e:', operation: 'Append' } },
          sink: { mode: 'upsert', deleteEvents: true },
        },
        schema: {
          fields: [
            { name: 'k', data_type: 'TEXT' },
            { name: 'v', data_type: 'TEXT' },
          ],
        },
      },
      { ...fromSql.profile },
    );
    expect(fromJson).toEqual(fromSql);
    expect(validateTable(fromSql)).toEqual(fromSql);
  });
});

describe('changelog config — refused combinations name the table and the option', () => {
  const cases: { what: string; run: () => unknown; option: string; says: string[] }[] = [
    {
      what: 'SQL: a misspelt sink.mode',
      run: () => sql(`'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.mdoe' = 'upsert'`),
      option: 'sink.mdoe',
      says: ["did you mean 'sink.mode'"],
    },
    {
      what: 'SQL: an unknown mode',
      run: () => sql(`'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.mode' = 'retract'`),
      option: 'sink.mode',
      says: ["'append', 'upsert'", "got 'retract'"],
    },
    {
      what: 'SQL: a list in upsert mode without delete events',
      run: () =>
        sql(
          `'sink.type' = 'list', 'sink.list_prefix' = 'e:', 'sink.operation' = 'Append', 'sink.mode' = 'upsert'`,
        ),
      option: 'sink.mode',
      says: ['append-only', "'sink.delete_events'"],
    },
    {
      what: 'SQL: delete events in append mode',
      run: () =>
        sql(
          `'sink.type' = 'list', 'sink.list_prefix' = 'e:', 'sink.operation' = 'Append', 'sink.delete_events' = 'true'`,
        ),
      option: 'sink.delete_events',
      says: ["'sink.mode' is 'upsert'"],
    },
    {
      what: 'SQL: delete events on a target that applies deletes',
      run: () =>
        sql(
          `'sink.type' = 'string', 'sink.key_prefix' = 'u:', 'sink.mode' = 'upsert', 'sink.delete_events' = 'true'`,
        ),
      option: 'sink.delete_events',
      says: ['append-only targets', 'String'],
    },
    {
      what: 'SQL: delete events that are not a boolean',
      run: () =>
        sql(
          `'sink.type' = 'stream', 'sink.stream_prefix' = 's:', 'sink.mode' = 'upsert', 'sink.delete_events' = 'yes'`,
        ),
      option: 'sink.delete_events',
      says: ['true or false', "got 'yes'"],
    },
    {
      what: 'SQL: delete events with the raw format',
      run: () =>
        sql(
          `'sink.type' = 'list', 'sink.list_prefix' = 'e:', 'sink.operation' = 'Append', format = 'raw', 'sink.mode' = 'upsert', 'sink.delete_events' = 'true'`,
        ),
      option: 'sink.delete_events',
      says: ["'json' format"],
    },
    {
      what: 'SQL: delete events where a column has the marker name',
      run: () =>
        sql(
          `'sink.type' = 'list', 'sink.list_prefix' = 'e:', 'sink.operation' = 'Append', 'sink.mode' = 'upsert', 'sink.delete_events' = 'true'`,
          'k TEXT, __op TEXT',
        ),
      option: 'sink.delete_events',
      says: ['"__op"'],
    },
    {
      what: 'JSON: a misspelt config.sink.mode',
      run: () =>
        parseTable(
          {
            name: 't',
            connector: 'redis',
            config: { connectorType: { target: { keyPrefix: 'u:' } }, sink: { mdoe: 'upsert' } },
          },
          PROFILE,
        ),
      option: 'config.sink.mdoe',
      says: ["did you mean 'config.sink.mode'"],
    },
    {
      what: 'JSON: a pub/sub table in upsert mode without delete events',
      run: () =>
        parseTable(
          {
            name: 't',
            connector: 'redis',
            config: { connectorType: { target: { channelPrefix: 'c:' } }, sink: { mode: 'upsert' } },
          },
          PROFILE,
        ),
      option: 'config.sink.mode',
      says: ['Pub/Sub', 'config.sink.deleteEvents'],
    },
    {
      what: 'JSON: delete events as text',
      run: () =>
        parseTable(
          {
            name: 't',
            connector: 'redis',
            config: {
              connectorType: { target: { streamPrefix: 's:' } },
              sink: { mode: 'upsert', deleteEvents: 'true' },
            },
          },
          PROFILE,
        ),
      option: 'config.sink.deleteEvents',
      says: ['true or false'],
    },
    {
      what: 'TypeScript: an unknown mode',
      run: () =>
        defineTable({
          name: 't',
          profile: PROFILE,
          target: { type: 'set', setPrefix: 's:' },
          mode: 'merge' as 'upsert',
        }),
      option: 'mode',
      says: ["got 'merge'"],
    },
  ];
  test.each(cases)('changelog config — $what', ({ run, option, says }) => {
    const err = caught(run);
    expect(err.table).toBe('t');
    expect(err.option).toBe(option);
    for (const s of says) expect(err.message).toContain(s);
  });
});
