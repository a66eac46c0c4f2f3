import { beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../../src/schema/connection-profile.js';
import {
  defineTable,
  loadSqlParser,
  parseCreateTableSync,
  parseProfile,
  parseTable,
  SinkConfigError,
  type TableDefinition,
} from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const BASE = `connector = 'redis', address = 'redis://localhost:6379', type = 'sink'`;

/** A CREATE TABLE named `t` with columns k, v and the given WITH options after the base ones. */
function sql(options: string, { base = BASE, columns = 'k TEXT, v TEXT' } = {}): () => unknown {
  const withList = [base, options].filter((s) => s !== '').join(', ');
  return () => parseCreateTableSync(`CREATE TABLE t (${columns}) WITH (${withList})`);
}

const PROFILE: ConnectionProfile = {
  name: 'p',
  connection: { kind: 'standalone', address: 'redis://h:6379' },
};

/** A table body named `t` with a schema k, v; `config` entries override the defaults. */
function json(config: Record<string, unknown>, top: Record<string, unknown> = {}): () => unknown {
  return () =>
    parseTable(
      {
        name: 't',
        connector: 'redis',
        config: { connectorType: { target: { keyPrefix: 'p:' } }, ...config },
        schema: {
          fields: [
            { name: 'k', data_type: 'TEXT' },
            { name: 'v', data_type: 'TEXT' },
          ],
        },
        ...top,
      },
      PROFILE,
    );
}

const target = (t: object) => ({ connectorType: { target: t } });

function ts(overrides: Partial<TableDefinition>): () => unknown {
  return () =>
    defineTable({
      name: 't',
      profile: PROFILE,
      target: { type: 'string', keyPrefix: 'p:' },
      schema: [
        { name: 'k', type: 'TEXT' },
        { name: 'v', type: 'TEXT' },
      ],
      ...overrides,
    } as TableDefinition);
}

interface Case {
  what: string;
  run: () => unknown;
  option: string;
  /** Further fragments the message must contain. */
  says?: string[];
}

const CASES: Case[] = [
  // unknown options, with suggestions
  {
    what: 'SQL unknown option',
    run: sql(`'sink.key_prefx' = 'a:'`),
    option: 'sink.key_prefx',
    says: ["did you mean 'sink.key_prefix'"],
  },
  {
    what: 'SQL option in JSON spelling',
    run: sql(`'sink.keyPrefix' = 'a:'`),
    option: 'sink.keyPrefix',
    says: ["did you mean 'sink.key_prefix'"],
  },
  {
    what: 'SQL option without its sink. prefix',
    run: sql(`'ttl_secs' = '5', 'sink.key_prefix' = 'a'`),
    option: 'ttl_secs',
    says: ["did you mean 'sink.ttl_secs'"],
  },
  {
    what: 'SQL unknown unquoted option',
    run: sql(`adress = 'redis://h'`),
    option: 'adress',
    says: ["did you mean 'address'"],
  },
  {
    what: 'SQL unknown option far from any',
    run: sql(`'sink.zzzzzzzzzz' = 'a'`),
    option: 'sink.zzzzzzzzzz',
    says: ['is not a known option'],
  },
  {
    what: 'JSON unknown target field',
    run: json(target({ keyPrefix: 'p', ttlSec: 5 })),
    option: 'config.connectorType.target.ttlSec',
    says: ["did you mean 'config.connectorType.target.ttlSecs'"],
  },
  {
    what: 'JSON target field in SQL spelling',
    run: json(target({ key_prefix: 'p' })),
    option: 'config.connectorType.target.key_prefix',
    says: ["did you mean 'config.connectorType.target.keyPrefix'"],
  },
  {
    what: 'JSON unknown sink option',
    run: json({ sink: { onEror: 'skip' } }),
    option: 'config.sink.onEror',
    says: ["did you mean 'config.sink.onError'"],
  },
  {
    what: 'JSON unknown top-level key',
    run: json({}, { shema: {} }),
    option: 'shema',
    says: ["did you mean 'schema'"],
  },
  {
    what: 'TS unknown target field',
    run: ts({ target: { type: 'string', keyPrefix: 'p', keyColum: 'k' } as never }),
    option: 'target.keyColum',
    says: ["did you mean 'target.keyColumn'"],
  },
  // missing required fields
  {
    what: 'SQL missing connector',
    run: sql(`'sink.key_prefix' = 'a'`, { base: `address = 'redis://h', type = 'sink'` }),
    option: 'connector',
    says: ['is required'],
  },
  {
    what: 'SQL missing type',
    run: sql(`'sink.key_prefix' = 'a'`, { base: `connector = 'redis', address = 'redis://h'` }),
    option: 'type',
    says: ["type = 'sink'"],
  },
  { what: 'SQL missing target', run: sql(''), option: 'sink.*', says: ["'sink.key_prefix' (String)"] },
  {
    what: 'SQL list without operation',
    run: sql(`'sink.type' = 'list', 'sink.list_prefix' = 'l:'`),
    option: 'sink.operation',
    says: ['is required'],
  },
  {
    what: 'SQL hash without field column',
    run: sql(`'sink.type' = 'hash', 'sink.hash_key_prefix' = 'h:'`),
    option: 'sink.hash_field_column',
    says: ['is required'],
  },
  {
    what: 'SQL string type without prefix',
    run: sql(`'sink.type' = 'string'`),
    option: 'sink.key_prefix',
    says: ['is required'],
  },
  {
    what: 'JSON missing connectorType',
    run: json({ connectorType: undefined }),
    option: 'config.connectorType',
    says: ['is required'],
  },
  {
    what: 'JSON list without operation',
    run: json(target({ listPrefix: 'l:' })),
    option: 'config.connectorType.target.operation',
    says: ['is required'],
  },
  {
    what: 'JSON missing name',
    run: () => parseTable({ connector: 'redis', config: {} }, PROFILE),
    option: 'name',
    says: ['is required'],
  },
  {
    what: 'TS missing target type',
    run: ts({ target: { keyPrefix: 'p' } as never }),
    option: 'target.type',
    says: ['is required'],
  },
  // wrong types
  {
    what: 'SQL ttl not a number',
    run: sql(`'sink.key_prefix' = 'a', 'sink.ttl_secs' = 'soon'`),
    option: 'sink.ttl_secs',
    says: ['positive integer', "'soon'"],
  },
  {
    what: 'SQL unquoted identifier value',
    run: sql(`'sink.key_prefix' = a`),
    option: 'sink.key_prefix',
    says: ['quoted string literal'],
  },
  {
    what: 'JSON ttl as a string',
    run: json(target({ keyPrefix: 'p', ttlSecs: '60' })),
    option: 'config.connectorType.target.ttlSecs',
    says: ['JSON number'],
  },
  {
    what: 'JSON key column not a string',
    run: json(target({ keyPrefix: 'p', keyColumn: 5 })),
    option: 'config.connectorType.target.keyColumn',
    says: ['must be a string'],
  },
  {
    what: 'JSON batch size as a string',
    run: json({ sink: { batchSize: '10' } }),
    option: 'config.sink.batchSize',
    says: ['positive integer'],
  },
  {
    what: 'JSON schema field nullable not boolean',
    run: json({}, { schema: { fields: [{ name: 'k', data_type: 'TEXT', nullable: 'no' }] } }),
    option: 'schema.fields[0].nullable',
  },
  {
    what: 'JSON unsupported data_type',
    run: json({}, { schema: { fields: [{ name: 'k', data_type: 'UUID' }] } }),
    option: 'schema.fields[0].data_type',
    says: ["'UUID'"],
  },
  {
    what: 'SQL unsupported column type',
    run: sql(`'sink.key_prefix' = 'a'`, { columns: 'k TEXT, v UUID' }),
    option: 'columns',
    says: ["column 'v'", 'UUID'],
  },
  {
    what: 'TS ttl as a string',
    run: ts({ target: { type: 'string', keyPrefix: 'p', ttlSecs: '5' as never } }),
    option: 'target.ttlSecs',
  },
  // columns not in the schema
  {
    what: 'SQL key column not in schema',
    run: sql(`'sink.key_prefix' = 'a', 'sink.key_column' = 'kk'`),
    option: 'sink.key_column',
    says: ["'kk'"],
  },
  {
    what: 'SQL misspelt key column',
    run: sql(`'sink.key_prefix' = 'a', 'sink.key_column' = 'sesion_id'`, {
      columns: 'session_id TEXT, v TEXT',
    }),
    option: 'sink.key_column',
    says: ["did you mean 'session_id'"],
  },
  {
    what: 'SQL list key column not in schema',
    run: sql(`'sink.list_prefix' = 'a', 'sink.operation' = 'append', 'sink.list_key_column' = 'x'`),
    option: 'sink.list_key_column',
    says: ["'x'"],
  },
  {
    what: 'SQL hash field column not in schema',
    run: sql(`'sink.hash_key_prefix' = 'a', 'sink.hash_field_column' = 'f'`),
    option: 'sink.hash_field_column',
    says: ["'f'"],
  },
  {
    what: 'JSON hash key column not in schema',
    run: json(target({ hashKeyPrefix: 'h', hashKeyColumn: 'nope', hashFieldColumn: 'k' })),
    option: 'config.connectorType.target.hashKeyColumn',
    says: ["'nope'"],
  },
  {
    what: 'TS key column not in schema',
    run: ts({ target: { type: 'string', keyPrefix: 'p', keyColumn: 'zz' } }),
    option: 'target.keyColumn',
  },
  // Raw format
  {
    what: 'SQL raw with two value columns',
    run: sql(`'sink.key_prefix' = 'a', format = 'raw'`),
    option: 'format',
    says: ["'k', 'v'"],
  },
  {
    what: 'SQL raw with no value column',
    run: sql(
      `'sink.hash_key_prefix' = 'a', 'sink.hash_key_column' = 'k', 'sink.hash_field_column' = 'v', format = 'raw'`,
    ),
    option: 'format',
    says: ['value columns: none'],
  },
  {
    what: 'JSON raw without schema but value is the key',
    run: () =>
      parseTable(
        {
          name: 't',
          connector: 'redis',
          config: { format: 'raw', connectorType: { target: { keyPrefix: 'p', keyColumn: 'value' } } },
        },
        PROFILE,
      ),
    option: 'config.format',
  },
  {
    what: 'TS raw with a stated value column the rule does not pick',
    run: ts({ format: 'raw', target: { type: 'string', keyPrefix: 'p', keyColumn: 'k' }, valueColumn: 'k' }),
    option: 'valueColumn',
    says: ["must be 'v'"],
  },
  {
    what: 'SQL unknown format',
    run: sql(`'sink.key_prefix' = 'a', format = 'avro'`),
    option: 'format',
    says: ["'json', 'raw'", "'avro'"],
  },
  // non-positive or non-integer numbers
  {
    what: 'SQL zero ttl',
    run: sql(`'sink.key_prefix' = 'a', 'sink.ttl_secs' = '0'`),
    option: 'sink.ttl_secs',
    says: ['positive integer'],
  },
  {
    what: 'SQL negative ttl (bare number)',
    run: sql(`'sink.key_prefix' = 'a', 'sink.ttl_secs' = -5`),
    option: 'sink.ttl_secs',
    says: ['-5'],
  },
  {
    what: 'SQL fractional max length',
    run: sql(`'sink.list_prefix' = 'a', 'sink.operation' = 'Append', 'sink.max_length' = '1.5'`),
    option: 'sink.max_length',
    says: ['1.5'],
  },
  {
    what: 'JSON negative max length',
    run: json(target({ listPrefix: 'a', operation: 'Append', maxLength: -1 })),
    option: 'config.connectorType.target.maxLength',
  },
  {
    what: 'JSON fractional ttl',
    run: json(target({ keyPrefix: 'a', ttlSecs: 2.5 })),
    option: 'config.connectorType.target.ttlSecs',
  },
  {
    what: 'SQL zero batch size',
    run: sql(`'sink.key_prefix' = 'a', 'sink.batch_size' = '0'`),
    option: 'sink.batch_size',
  },
  {
    what: 'SQL zero flush interval',
    run: sql(`'sink.key_prefix' = 'a', 'sink.flush_interval_ms' = '0'`),
    option: 'sink.flush_interval_ms',
  },
  // operation
  {
    what: 'SQL unknown operation',
    run: sql(`'sink.list_prefix' = 'a', 'sink.operation' = 'Insert'`),
    option: 'sink.operation',
    says: ["'Append', 'Prepend'", "'Insert'"],
  },
  {
    what: 'JSON unknown operation',
    run: json(target({ listPrefix: 'a', operation: 'push' })),
    option: 'config.connectorType.target.operation',
  },
  // connector, table type
  {
    what: 'SQL connector other than redis',
    run: sql(`'sink.key_prefix' = 'a'`, {
      base: `connector = 'kafka', address = 'redis://h', type = 'sink'`,
    }),
    option: 'connector',
    says: ["'kafka'"],
  },
  { what: 'JSON connector other than redis', run: json({}, { connector: 'memcached' }), option: 'connector' },
  {
    what: 'SQL lookup type',
    run: sql(`'sink.key_prefix' = 'a'`, {
      base: `connector = 'redis', address = 'redis://h', type = 'lookup'`,
    }),
    option: 'type',
    says: ['a lookup table is not a sink', 'docs/lookup.md'],
  },
  {
    what: 'SQL source type',
    run: sql(`'sink.key_prefix' = 'a'`, {
      base: `connector = 'redis', address = 'redis://h', type = 'source'`,
    }),
    option: 'type',
    says: ["must be 'sink'"],
  },
  {
    what: 'JSON lookup connector type',
    run: json({ connectorType: { lookup: {} } }),
    option: 'config.connectorType.lookup',
    says: ['is not a sink', 'CREATE TEMPORARY TABLE'],
  },
  // address / addresses
  {
    what: 'SQL neither address nor cluster addresses',
    run: sql(`'sink.key_prefix' = 'a'`, { base: `connector = 'redis', type = 'sink'` }),
    option: 'address',
    says: ["'cluster.addresses'"],
  },
  {
    what: 'SQL both address and cluster addresses',
    run: sql(`'cluster.addresses' = 'redis://a:1,redis://b:2', 'sink.key_prefix' = 'a'`),
    option: 'cluster.addresses',
    says: ['cannot be combined'],
  },
  {
    what: 'SQL empty cluster address entry',
    run: sql(`'cluster.addresses' = 'redis://a:1,,redis://b:2', 'sink.key_prefix' = 'a'`, {
      base: `connector = 'redis', type = 'sink'`,
    }),
    option: 'cluster.addresses',
    says: ['empty entry'],
  },
  {
    what: 'SQL address that is not a Redis URL',
    run: sql(`'sink.key_prefix' = 'a'`, { base: `connector = 'redis', address = 'http://h', type = 'sink'` }),
    option: 'address',
    says: ['not a valid Redis URL'],
  },
  // target kinds
  {
    what: 'SQL option of another target kind',
    run: sql(`'sink.type' = 'string', 'sink.key_prefix' = 'a', 'sink.operation' = 'Append'`),
    option: 'sink.operation',
    says: ['does not apply to a String target'],
  },
  {
    what: 'SQL options mixing target kinds',
    run: sql(`'sink.key_prefix' = 'a', 'sink.list_prefix' = 'b'`),
    option: 'sink.*',
    says: ["String ('sink.key_prefix')", "List ('sink.list_prefix')"],
  },
  {
    what: 'JSON target mixing kinds',
    run: json(target({ keyPrefix: 'a', hashFieldColumn: 'k' })),
    option: 'config.connectorType.target',
    says: [
      "String ('config.connectorType.target.keyPrefix')",
      "Hash ('config.connectorType.target.hashFieldColumn')",
    ],
  },
  {
    what: 'SQL unknown sink type',
    run: sql(`'sink.type' = 'bitmap', 'sink.key_prefix' = 'a'`),
    option: 'sink.type',
    says: ["'bitmap'"],
  },
  // other table rules
  {
    what: 'SQL duplicate option',
    run: sql(`'sink.key_prefix' = 'a', 'sink.key_prefix' = 'b'`),
    option: 'sink.key_prefix',
    says: ['twice'],
  },
  {
    what: 'SQL duplicate column',
    run: sql(`'sink.key_prefix' = 'a'`, { columns: 'k TEXT, k BIGINT' }),
    option: 'columns',
    says: ["'k' twice"],
  },
  {
    what: 'SQL unknown on_error policy',
    run: sql(`'sink.key_prefix' = 'a', 'sink.on_error' = 'retry'`),
    option: 'sink.on_error',
    says: ["'fail', 'skip', 'dead_letter'"],
  },
  {
    what: 'SQL dead letter key without dead_letter policy',
    run: sql(`'sink.key_prefix' = 'a', 'sink.dead_letter_key' = 'dl'`),
    option: 'sink.dead_letter_key',
    says: ["'sink.on_error'"],
  },
  {
    what: 'SQL column constraint',
    run: sql(`'sink.key_prefix' = 'a'`, { columns: 'k TEXT PRIMARY KEY, v TEXT' }),
    option: 'columns',
    says: ['NOT NULL'],
  },
  {
    what: 'SQL unknown connection profile',
    run: sql(`connection_profile = 'nope', 'sink.key_prefix' = 'a'`, {
      base: `connector = 'redis', type = 'sink'`,
    }),
    option: 'connection_profile',
    says: ["'nope'"],
  },
  {
    what: 'SQL connection profile next to an address',
    run: sql(`connection_profile = 'p', 'sink.key_prefix' = 'a'`),
    option: 'address',
    says: ["'connection_profile'"],
  },
];

describe('validation errors', () => {
  test.each(CASES)('$what — one SinkConfigError naming table and option', ({ run, option, says = [] }) => {
    let caught: unknown;
    try {
      run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SinkConfigError);
    const e = caught as SinkConfigError;
    expect(e.code).toBe('ERR_SINK_CONFIG');
    expect(e.option).toBe(option);
    expect(e.message).toContain(`'${option}'`);
    if (e.table !== undefined) expect(e.message).toContain(`table '${e.table}'`);
    for (const s of says) expect(e.message).toContain(s);
  });

  test('validation errors — a named table is always named', () => {
    expect(() => sql(`'sink.ttl_secs' = 'x', 'sink.key_prefix' = 'a'`)()).toThrow(/^table 't': /);
    expect(() => json(target({ keyPrefix: 1 }))()).toThrow(/^table 't': /);
  });

  test('validation errors — an unknown unquoted SQL option is located at its key', () => {
    expect(() => parseCreateTableSync(`CREATE TABLE t (k TEXT)\nWITH (${BASE},\n   colour = 'red')`)).toThrow(
      /option 'colour' is not a known option \(line 3, column 4\)/,
    );
  });

  test('validation errors — SQL errors carry the line and column of the option', () => {
    let e: SinkConfigError | undefined;
    try {
      parseCreateTableSync(
        `CREATE TABLE t (k TEXT)\nWITH (\n  ${BASE},\n  'sink.key_prefix' = 'a',\n    'sink.ttl_secs' = 'x'\n)`,
      );
    } catch (err) {
      e = err as SinkConfigError;
    }
    // The value's position: value errors are about the value.
    expect(e?.line).toBe(5);
    expect(e?.column).toBe(23);
    expect(e?.message).toContain('(line 5, column 23)');
  });

  test('profile errors — a stand-alone profile is named, and so is the option', () => {
    expect(() => parseProfile({ name: 'cache', connector: 'redis', config: { connection: {} } })).toThrow(
      "connection profile 'cache': option 'config.connection.address' is required",
    );
    expect(() =>
      parseProfile({
        name: 'cache',
        connector: 'redis',
        config: { connection: { address: 'redis://a', addresses: ['redis://b'] } },
      }),
    ).toThrow(/option 'config.connection.addresses' cannot be combined/);
    expect(() =>
      parseProfile({ name: 'cache', connector: 'redis', config: { connection: { adress: 'redis://a' } } }),
    ).toThrow(
      /'config.connection.adress' is not a known option \(did you mean 'config.connection.address'\?\)/,
    );
    expect(() =>
      parseProfile({ name: 'cache', connector: 'redis', config: { connection: { addresses: [] } } }),
    ).toThrow(/'config.connection.addresses' must be a non-empty list/);
  });
});
