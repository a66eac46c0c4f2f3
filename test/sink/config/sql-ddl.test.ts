import { beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../../src/schema/connection-profile.js';
import {
  loadSqlParser,
  parseCreateTable,
  parseCreateTableSync,
  SinkConfigError,
  SqlSyntaxError,
} from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const OPTS = `connector = 'redis', address = 'redis://h:6379', type = 'sink', 'sink.key_prefix' = 'k:'`;

function syntaxError(sql: string): SqlSyntaxError {
  try {
    parseCreateTableSync(sql);
  } catch (e) {
    if (e instanceof SqlSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a syntax error');
}

describe('SQL DDL', () => {
  test('SQL DDL — comments work anywhere: before, inside the column list, after a value, block comments', async () => {
    const t = await parseCreateTable(`-- leading comment
      /* block
         comment */ CREATE TABLE t ( -- after the paren
        a TEXT, /* inline */ b BIGINT -- trailing
      ) WITH (
        connector = 'redis', -- why redis
        address = 'redis://h:6379', type = 'sink',
        'sink.key_prefix' = 'k:' /* prefix */, 'sink.ttl_secs' = '30'  -- 30 s
      ); -- done`);
    expect(t.schema?.map((c) => c.name)).toEqual(['a', 'b']);
    expect(t.target).toEqual({ type: 'string', keyPrefix: 'k:', ttlSecs: 30 });
  });

  test('SQL DDL — quoted and unquoted option keys mean the same; unquoted keys ignore case', () => {
    const a = parseCreateTableSync(
      `CREATE TABLE t (a TEXT) WITH ('connector' = 'redis', "address" = 'redis://h:6379', TYPE = 'sink', 'sink.key_prefix' = 'k:', FORMAT = 'json')`,
    );
    const b = parseCreateTableSync(`CREATE TABLE t (a TEXT) WITH (${OPTS}, format = 'json')`);
    expect(a).toStrictEqual(b);
  });

  test('SQL DDL — numbers may be quoted or bare', () => {
    const quoted = parseCreateTableSync(
      `CREATE TABLE t (a TEXT) WITH (${OPTS}, 'sink.ttl_secs' = '60', 'sink.batch_size' = '5')`,
    );
    const bare = parseCreateTableSync(
      `CREATE TABLE t (a TEXT) WITH (${OPTS}, 'sink.ttl_secs' = 60, 'sink.batch_size' = 5)`,
    );
    expect(quoted).toStrictEqual(bare);
    expect(bare.batchSize).toBe(5);
  });

  test('SQL DDL — enum values are case-insensitive and normalized', () => {
    const t = parseCreateTableSync(
      `CREATE TABLE t (a TEXT) WITH (connector = 'REDIS', address = 'redis://h', type = 'SINK', 'sink.type' = 'LIST',
        'sink.list_prefix' = 'l:', 'sink.operation' = 'prepend', format = 'RAW', 'sink.on_error' = 'Dead_Letter')`,
    );
    expect(t.target).toEqual({ type: 'list', listPrefix: 'l:', operation: 'Prepend' });
    expect(t.format).toBe('raw');
    expect(t.valueColumn).toBe('a');
    expect(t.onError).toBe('dead_letter');
    expect(t.deadLetterKey).toBe('t:dead_letter');
  });

  test('SQL DDL — every sink option of the brief is read', () => {
    const t = parseCreateTableSync(`CREATE TABLE orders (id TEXT NOT NULL, value BYTEA) WITH (
      connector = 'redis', 'cluster.addresses' = 'redis://a:7000, redis://b:7001', username = 'u', password = '{{ PW }}',
      type = 'sink', 'sink.type' = 'string', 'sink.key_prefix' = 'o:', 'sink.key_column' = 'id', 'sink.ttl_secs' = '9',
      format = 'raw', 'sink.on_error' = 'dead_letter', 'sink.dead_letter_key' = 'bad', 'sink.flush_interval_ms' = '25',
      'sink.batch_size' = '250', 'sink.delivery' = 'exactly_once', 'sink.wait_replicas' = '1')`);
    expect(t).toStrictEqual({
      name: 'orders',
      profile: {
        name: 'orders',
        connection: { kind: 'cluster', addresses: ['redis://a:7000', 'redis://b:7001'] },
        username: 'u',
        password: '{{ PW }}',
      },
      target: { type: 'string', keyPrefix: 'o:', keyColumn: 'id', ttlSecs: 9 },
      format: 'raw',
      valueColumn: 'value',
      schema: [
        { name: 'id', type: 'TEXT', nullable: false },
        { name: 'value', type: 'BYTEA', nullable: true },
      ],
      onError: 'dead_letter',
      deadLetterKey: 'bad',
      batchSize: 250,
      flushIntervalMs: 25,
      delivery: 'exactly_once',
      waitReplicas: 1,
    });
  });

  test.each([
    ['VARCHAR', 'TEXT'],
    ['VARCHAR(64)', 'TEXT'],
    ['STRING', 'TEXT'],
    ['CHARACTER VARYING', 'TEXT'],
    ['INT', 'INTEGER'],
    ['INT4', 'INTEGER'],
    ['INT8', 'BIGINT'],
    ['FLOAT', 'DOUBLE'],
    ['FLOAT8', 'DOUBLE'],
    ['DOUBLE', 'DOUBLE'],
    ['DOUBLE PRECISION', 'DOUBLE'],
    ['BOOL', 'BOOLEAN'],
    ['TIMESTAMP(3)', 'TIMESTAMP'],
    ['JSONB', 'JSON'],
    ['BYTES', 'BYTEA'],
  ])('SQL DDL — column type %s means %s', (spelled, type) => {
    const t = parseCreateTableSync(`CREATE TABLE t (a ${spelled}) WITH (${OPTS})`);
    expect(t.schema?.[0].type).toBe(type);
  });

  test('SQL DDL — quoted column names keep their case, and key columns must match exactly', () => {
    const t = parseCreateTableSync(
      `CREATE TABLE t ("userId" TEXT) WITH (${OPTS}, 'sink.key_column' = 'userId')`,
    );
    expect(t.schema?.[0].name).toBe('userId');
  });

  test('SQL DDL — a named connection profile is taken from the profiles given', async () => {
    const shared: ConnectionProfile = {
      name: 'cache',
      connection: { kind: 'standalone', address: 'redis://c:6379' },
    };
    const t = await parseCreateTable(
      `CREATE TABLE t (a TEXT) WITH (connector = 'redis', connection_profile = 'cache', type = 'sink', 'sink.key_prefix' = 'k')`,
      { profiles: new Map([['cache', shared]]) },
    );
    expect(t.profile).toBe(shared);
    const u = await parseCreateTable(
      `CREATE TABLE t (a TEXT) WITH (connector = 'redis', connection_profile = 'cache', type = 'sink', 'sink.key_prefix' = 'k')`,
      { profiles: { cache: shared } },
    );
    expect(u.profile).toBe(shared);
  });

  test('SQL DDL — a syntax error reports line and column', () => {
    const e = syntaxError(`CREATE TABLE t (\n  a TEXT\n  b TEXT\n) WITH (${OPTS})`);
    expect(e.code).toBe('ERR_SQL_SYNTAX');
    expect([e.line, e.column]).toEqual([3, 3]);
    expect(e.message).toMatch(/^SQL syntax error at line 3, column 3: /);
  });

  test('SQL DDL — an unfinished statement reports the end of the input', () => {
    const e = syntaxError(`CREATE TABLE t (a TEXT) WITH (\n  connector = 'redis'`);
    expect([e.line, e.column]).toEqual([2, 22]);
    expect(e.message).toContain('end of input');
  });

  test('SQL DDL — an unterminated string is a syntax error at the string', () => {
    const e = syntaxError(`CREATE TABLE t (a TEXT) WITH (connector = 'redis)`);
    expect([e.line, e.column]).toEqual([1, 43]);
  });

  test('SQL DDL — a syntax error never echoes the token, which may be a secret', () => {
    for (const sql of [
      `CREATE TABLE t (a TEXT) WITH (password 'hunter2-secret')`,
      `CREATE TABLE t (a TEXT) WITH (password = 'x' 'hunter2-secret')`,
      `CREATE TABLE t (a TEXT) WITH (password = hunter2 secret)`,
      `CREATE TABLE t (a TEXT) WITH (password = 'hunter2-secret)`,
    ]) {
      const e = syntaxError(sql);
      expect(e.message).not.toMatch(/hunter2|secret/);
    }
  });

  test('SQL DDL — anything but exactly one CREATE TABLE is refused', () => {
    expect(() => parseCreateTableSync('')).toThrow(SinkConfigError);
    expect(() => parseCreateTableSync('SELECT 1')).toThrow(/exactly one CREATE TABLE/);
    expect(() =>
      parseCreateTableSync(`CREATE TABLE t (a TEXT) WITH (${OPTS}); CREATE TABLE u (a TEXT) WITH (${OPTS})`),
    ).toThrow(/exactly one CREATE TABLE/);
    expect(() => parseCreateTableSync(`CREATE TABLE s.t (a TEXT) WITH (${OPTS})`)).toThrow(/qualified/);
    expect(() => parseCreateTableSync(`CREATE TABLE t AS SELECT 1`)).toThrow(/AS SELECT/);
  });
});
