import { beforeAll, describe, expect, test } from 'vitest';
import {
  isLookupTableStatement,
  LookupConfigError,
  lookupTableFromStatement,
  parseLookupTable,
  parseLookupTableSync,
  rewriteLookupSyntax,
} from '../../src/lookup/index.js';
import type { ConnectionProfile } from '../../src/schema/connection-profile.js';
import { parseStatements } from '../../src/schema/sql-parser.js';
import { loadSqlParser, SqlSyntaxError } from '../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const BASE = `connector = 'redis', address = 'redis://localhost:6379'`;

/** A temporary lookup table `t` with the given columns and WITH options after the base ones. */
function sql(
  options: string,
  { columns = "id TEXT METADATA FROM 'key', name TEXT", base = BASE, temporary = true } = {},
) {
  const withList = [base, options].filter((s) => s !== '').join(', ');
  return `CREATE ${temporary ? 'TEMPORARY ' : ''}TABLE t (${columns}) WITH (${withList})`;
}

/** The LookupConfigError of a statement. */
function errorOf(text: string, options = {}): LookupConfigError {
  try {
    parseLookupTableSync(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(LookupConfigError);
    return e as LookupConfigError;
  }
  throw new Error('expected a LookupConfigError');
}

describe('lookup config — declarations', () => {
  test('lookup config — METADATA FROM key, defaults: JSON strings, no cache, 2 s / 3 attempts, bad values fail', async () => {
    const t = await parseLookupTable(sql(''));
    expect(t).toEqual({
      name: 't',
      profile: { name: 't', connection: { kind: 'standalone', address: 'redis://localhost:6379' } },
      columns: [
        { name: 'id', type: 'TEXT', nullable: true },
        { name: 'name', type: 'TEXT', nullable: true },
      ],
      keyColumn: 'id',
      keySource: 'metadata',
      keyPrefix: '',
      valueType: 'string',
      format: 'json',
      hashFetch: 'fields',
      cache: null,
      timeoutMs: 2000,
      maxAttempts: 3,
      badValue: 'fail',
    });
  });

  test("lookup config — CREATE TABLE with type = 'lookup', PRIMARY KEY column and a key prefix", () => {
    const t = parseLookupTableSync(
      sql(`type = 'lookup', 'lookup.key_prefix' = 'user:'`, {
        columns: 'user_id BIGINT PRIMARY KEY, name TEXT NOT NULL, tier INTEGER',
        temporary: false,
      }),
    );
    expect(t.keyColumn).toBe('user_id');
    expect(t.keySource).toBe('primary_key');
    expect(t.keyPrefix).toBe('user:');
    expect(t.columns[1]).toEqual({ name: 'name', type: 'TEXT', nullable: false });
  });

  test('lookup config — a PRIMARY KEY (col) table constraint names the key column', () => {
    const t = parseLookupTableSync(sql('', { columns: 'name TEXT, id TEXT, PRIMARY KEY (id)' }));
    expect(t.keyColumn).toBe('id');
  });

  test("lookup config — Arroyo's spelling: METADATA FROM 'key' PRIMARY KEY on one column", () => {
    const t = parseLookupTableSync(sql('', { columns: "k TEXT METADATA FROM 'key' PRIMARY KEY, v TEXT" }));
    expect(t.keyColumn).toBe('k');
    expect(t.keySource).toBe('metadata');
  });

  test('lookup config — raw strings, hashes, cache, timeout and attempts', () => {
    const raw = parseLookupTableSync(
      sql(`format = 'RAW'`, { columns: "id TEXT METADATA FROM 'key', payload BYTEA" }),
    );
    expect(raw).toMatchObject({ format: 'raw', valueColumn: 'payload' });
    const hash = parseLookupTableSync(
      sql(
        `'lookup.value_type' = 'hash', 'lookup.hash.fetch' = 'all', 'lookup.cache.max_bytes' = '1MiB', 'lookup.cache.ttl' = '30s', 'lookup.cache.negative' = true, 'lookup.timeout' = '500ms', 'lookup.max_attempts' = 5, 'lookup.bad_value' = 'null'`,
      ),
    );
    expect(hash).toMatchObject({
      valueType: 'hash',
      hashFetch: 'all',
      cache: { maxBytes: 1024 * 1024, ttlMs: 30_000, negative: true },
      timeoutMs: 500,
      maxAttempts: 5,
      badValue: 'null',
    });
  });

  test('lookup config — a cache from a ttl alone gets 64 MiB; from max_bytes alone, no ttl', () => {
    expect(parseLookupTableSync(sql(`'lookup.cache.ttl' = '5m'`)).cache).toEqual({
      maxBytes: 64 * 1024 * 1024,
      ttlMs: 300_000,
      negative: false,
    });
    expect(parseLookupTableSync(sql(`'lookup.cache.max_bytes' = 4096`)).cache).toEqual({
      maxBytes: 4096,
      ttlMs: null,
      negative: false,
    });
    expect(parseLookupTableSync(sql(`'lookup.cache.ttl' = '1500'`)).cache?.ttlMs).toBe(1500);
  });

  test('lookup config — cluster addresses, {{ VAR }} secrets kept as written, named profiles', () => {
    const t = parseLookupTableSync(
      sql(
        `'cluster.addresses' = 'redis://a:7000, redis://b:7001', username = 'app', password = '{{ REDIS_PASSWORD }}'`,
        {
          base: `connector = 'redis'`,
        },
      ),
    );
    expect(t.profile).toEqual({
      name: 't',
      connection: { kind: 'cluster', addresses: ['redis://a:7000', 'redis://b:7001'] },
      username: 'app',
      password: '{{ REDIS_PASSWORD }}',
    });
    const cache: ConnectionProfile = {
      name: 'cache',
      connection: { kind: 'standalone', address: 'redis://c:6379' },
    };
    const named = parseLookupTableSync(sql(`connection_profile = 'cache'`, { base: `connector = 'redis'` }), {
      profiles: { cache },
    });
    expect(named.profile).toBe(cache);
  });

  test('lookup config — redisAddress overrides the address (standalone or cluster seeds)', () => {
    expect(
      parseLookupTableSync(sql(''), { redisAddress: 'redis://127.0.0.1:7777' }).profile.connection,
    ).toEqual({
      kind: 'standalone',
      address: 'redis://127.0.0.1:7777',
    });
    const t = parseLookupTableSync(sql('', { base: `connector = 'redis'` }), {
      redisAddress: ['redis://127.0.0.1:7000'],
    });
    expect(t.profile.connection).toEqual({ kind: 'cluster', addresses: ['redis://127.0.0.1:7000'] });
  });

  test('lookup config — statement helpers for the SQL engine: detection and the parsed node', () => {
    const script = rewriteLookupSyntax(
      `${sql('')};\nCREATE TABLE s (id TEXT) WITH (connector = 'redis', type = 'sink', 'sink.key_prefix' = 'x');\n` +
        `CREATE TABLE u (id TEXT PRIMARY KEY, v TEXT) WITH (connector = 'redis', type = 'LOOKUP', address = 'redis://h')`,
    );
    const [a, b, c] = parseStatements(script).map((s) => (s as { CreateTable: unknown }).CreateTable);
    expect([a, b, c].map(isLookupTableStatement)).toEqual([true, false, true]);
    expect(lookupTableFromStatement(a).keyColumn).toBe('id');
    expect(lookupTableFromStatement(c).name).toBe('u');
  });
});

describe('lookup config — METADATA FROM rewrite', () => {
  test('lookup config — the rewrite keeps lengths and positions, and skips strings and comments', () => {
    const text = `CREATE TEMPORARY TABLE t (id TEXT METADATA FROM 'key', v TEXT) WITH (x = 'METADATA FROM ''key''') -- METADATA FROM 'key'`;
    const out = rewriteLookupSyntax(text);
    expect(out.length).toBe(text.length);
    expect(out).toBe(
      `CREATE TEMPORARY TABLE t (id TEXT COMMENT '@meta:key', v TEXT) WITH (x = 'METADATA FROM ''key''') -- METADATA FROM 'key'`,
    );
    expect(rewriteLookupSyntax('SELECT metadata FROM x')).toBe('SELECT metadata FROM x');
    const multi = "CREATE TABLE t (id TEXT METADATA\n   FROM 'key', v TEXT)";
    expect(rewriteLookupSyntax(multi).split('\n').length).toBe(2);
  });

  test('lookup config — positions after a rewritten clause are those of the original text', () => {
    const e = errorOf(sql(`'lookup.cache.ttl' = 'soon'`));
    expect(e.line).toBe(1);
    const text = sql(`'lookup.cache.ttl' = 'soon'`);
    expect(text.slice((e.column ?? 0) - 1).startsWith("'soon'")).toBe(true);
  });
});

describe('lookup config — errors name the table and the option', () => {
  const cases: Array<[string, string, RegExp, string?]> = [
    [
      'unknown option',
      `'lookup.cache.max_byte' = 10`,
      /option 'lookup\.cache\.max_byte' is not a known option \(did you mean 'lookup\.cache\.max_bytes'\?\)/,
    ],
    [
      'unknown option far from any',
      `'lookup.colour' = 'x'`,
      /option 'lookup\.colour' is not a known option \(lookup options: /,
    ],
    [
      'sink option',
      `'sink.key_prefix' = 'u:'`,
      /option 'sink\.key_prefix' is a sink option; a lookup table takes 'lookup\.\*' options \(did you mean 'lookup\.key_prefix'\?\)/,
    ],
    [
      'bad value type',
      `'lookup.value_type' = 'list'`,
      /option 'lookup\.value_type' must be one of 'string', 'hash' \(got 'list'\)/,
    ],
    ['bad format', `format = 'avro'`, /option 'format' must be one of 'json', 'raw' \(got 'avro'\)/],
    [
      'format with a hash',
      `'lookup.value_type' = 'hash', format = 'json'`,
      /option 'format' applies to string values/,
    ],
    [
      'hash.fetch without a hash',
      `'lookup.hash.fetch' = 'all'`,
      /option 'lookup\.hash\.fetch' applies only when 'lookup\.value_type' is 'hash'/,
    ],
    [
      'bad hash.fetch',
      `'lookup.value_type' = 'hash', 'lookup.hash.fetch' = 'some'`,
      /option 'lookup\.hash\.fetch' must be one of 'fields', 'all'/,
    ],
    [
      'bad max_bytes',
      `'lookup.cache.max_bytes' = 'lots'`,
      /option 'lookup\.cache\.max_bytes' must be a positive size in bytes/,
    ],
    [
      'zero max_bytes',
      `'lookup.cache.max_bytes' = 0`,
      /option 'lookup\.cache\.max_bytes' must be a positive size/,
    ],
    [
      'bad ttl',
      `'lookup.cache.ttl' = 'soon'`,
      /option 'lookup\.cache\.ttl' must be a positive duration such as '30s', '5m' or '1500' \(ms\) \(got 'soon'\)/,
    ],
    ['zero ttl', `'lookup.cache.ttl' = '0s'`, /option 'lookup\.cache\.ttl' must be a positive duration/],
    [
      'bad negative',
      `'lookup.cache.ttl' = '1s', 'lookup.cache.negative' = 'maybe'`,
      /option 'lookup\.cache\.negative' must be 'true' or 'false'/,
    ],
    [
      'negative without a cache',
      `'lookup.cache.negative' = 'true'`,
      /option 'lookup\.cache\.negative' applies only with a cache/,
    ],
    ['bad timeout', `'lookup.timeout' = '-1s'`, /option 'lookup\.timeout' must be a positive duration/],
    [
      'bad attempts',
      `'lookup.max_attempts' = 0`,
      /option 'lookup\.max_attempts' must be an integer from 1 to 10 \(got '0'\)/,
    ],
    [
      'too many attempts',
      `'lookup.max_attempts' = '11'`,
      /option 'lookup\.max_attempts' must be an integer from 1 to 10/,
    ],
    [
      'bad bad_value',
      `'lookup.bad_value' = 'skip'`,
      /option 'lookup\.bad_value' must be one of 'fail', 'null'/,
    ],
    ['duplicate option', `format = 'json', format = 'raw'`, /option 'format' is given twice/],
    ['identifier value', `format = json`, /option 'format' must be a quoted string literal/],
    ['type sink', `type = 'sink'`, /option 'type' must be 'lookup' for a lookup table \(got 'sink'\)/],
    [
      'prefix with METADATA key',
      `'lookup.key_prefix' = 'u:'`,
      /option 'lookup\.key_prefix' cannot be combined with a METADATA FROM 'key' column/,
    ],
  ];
  test.each(cases)('lookup config — %s', (_, options, message) => {
    const e = errorOf(sql(options));
    expect(e.code).toBe('ERR_LOOKUP_CONFIG');
    expect(e.table).toBe('t');
    expect(e.message).toMatch(/^table 't': /);
    expect(e.message).toMatch(message);
    expect(e.option).toBeDefined();
  });

  const columnCases: Array<[string, string, RegExp]> = [
    [
      'no key column',
      'id TEXT, v TEXT',
      /option 'columns' declares no key column: mark the column the join compares with METADATA FROM 'key' or PRIMARY KEY/,
    ],
    [
      'two key columns',
      "a TEXT METADATA FROM 'key', b TEXT PRIMARY KEY",
      /declares two key columns \('a' and 'b'\)/,
    ],
    ['only the key', "id TEXT METADATA FROM 'key'", /declares only the key column 'id'/],
    [
      'other metadata',
      "id TEXT METADATA FROM 'ttl', v TEXT",
      /METADATA FROM 'ttl'; a Redis lookup table offers only METADATA FROM 'key'/,
    ],
    [
      'metadata key not TEXT',
      "id BIGINT METADATA FROM 'key', v TEXT",
      /METADATA FROM 'key' with type BIGINT; the Redis key is TEXT/,
    ],
    [
      'key of type JSON',
      'id JSON PRIMARY KEY, v TEXT',
      /key column 'id' with type JSON; a key column is TEXT, INTEGER, BIGINT/,
    ],
    ['unsupported type', "id TEXT METADATA FROM 'key', v MONEY", /column 'v' with unsupported type MONEY/],
    [
      'other constraint',
      "id TEXT METADATA FROM 'key', v TEXT UNIQUE",
      /column 'v' with a constraint other than NULL, NOT NULL, PRIMARY KEY or METADATA FROM 'key'/,
    ],
    [
      'UNIQUE table constraint',
      "id TEXT METADATA FROM 'key', v TEXT, UNIQUE (v)",
      /a table constraint other than PRIMARY KEY/,
    ],
    [
      'PRIMARY KEY of two columns',
      'id TEXT, v TEXT, PRIMARY KEY (id, v)',
      /a table constraint other than PRIMARY KEY \(one column\)/,
    ],
    [
      'PRIMARY KEY of an unknown column',
      'id TEXT, v TEXT, PRIMARY KEY (idd)',
      /PRIMARY KEY \(idd\), which is not a column \(did you mean 'id'\?\)/,
    ],
    ['duplicate column', "id TEXT METADATA FROM 'key', v TEXT, v INT", /declares column 'v' twice/],
    [
      'raw with two value columns',
      "id TEXT METADATA FROM 'key', a TEXT, b TEXT",
      /option 'format' is 'raw', which reads the string into one value column.*\(value columns: 'a', 'b'\)/,
    ],
  ];
  test.each(columnCases)('lookup config — %s', (name, columns, message) => {
    const options = name.startsWith('raw') ? `format = 'raw'` : '';
    const e = errorOf(sql(options, { columns }));
    expect(e.code).toBe('ERR_LOOKUP_CONFIG');
    expect(e.message).toMatch(/^table 't': /);
    expect(e.message).toMatch(message);
  });

  test('lookup config — connection problems reuse the sink rules, without echoing secrets', () => {
    expect(errorOf(sql('', { base: `connector = 'redis'` })).message).toMatch(
      /option 'address' is required: give 'address' \(one node\), 'cluster\.addresses' \(cluster\) or 'sentinel\.addresses' with 'sentinel\.master' \(Sentinel\)/,
    );
    const both = errorOf(sql(`'cluster.addresses' = 'redis://b:1'`));
    expect(both.message).toMatch(/option 'cluster\.addresses' cannot be combined with 'address'/);
    const bad = errorOf(sql('', { base: `connector = 'redis', address = 'http://user:hunter2@h'` }));
    expect(bad.option).toBe('address');
    expect(bad.message).not.toContain('hunter2');
    expect(errorOf(sql(`password = '{{ REDIS-PASS }}'`)).message).toMatch(
      /option 'password' has a malformed \{\{ VAR \}\} reference/,
    );
    expect(errorOf(sql(`connection_profile = 'nope'`, { base: `connector = 'redis'` })).message).toMatch(
      /option 'connection_profile' names an unknown connection profile 'nope'/,
    );
    expect(errorOf(sql('', { base: `connector = 'kafka', address = 'redis://h'` })).message).toMatch(
      /option 'connector' must be 'redis'/,
    );
    expect(errorOf(sql('', { base: `address = 'redis://h'` })).message).toMatch(
      /option 'connector' is required/,
    );
  });

  test('lookup config — CREATE TABLE without type, AS SELECT, qualified names, several statements', () => {
    expect(errorOf(sql('', { temporary: false })).message).toMatch(
      /option 'type' is required \(type = 'lookup', or declare it CREATE TEMPORARY TABLE\)/,
    );
    expect(errorOf(`CREATE TEMPORARY TABLE t WITH (${BASE}) AS SELECT 1`).message).toMatch(
      /AS SELECT is not supported/,
    );
    expect(
      errorOf(`CREATE TEMPORARY TABLE db.t (id TEXT PRIMARY KEY, v TEXT) WITH (${BASE})`).message,
    ).toMatch(/qualified table names/);
    expect(errorOf(`${sql('')}; ${sql('')}`).message).toMatch(
      /expected exactly one CREATE TABLE statement \(got 2 statements\)/,
    );
    expect(() => parseLookupTableSync('CREATE TEMPORARY TABLE (')).toThrow(SqlSyntaxError);
  });

  test('lookup config — option errors point at the value', () => {
    const text = sql(`'lookup.value_type' = 'list'`);
    const e = errorOf(text);
    expect(e.line).toBe(1);
    expect(text.slice(e.column! - 1).startsWith("'list'")).toBe(true);
  });
});
