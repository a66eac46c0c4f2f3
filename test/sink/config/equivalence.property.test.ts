import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  loadSqlParser,
  parseCreateTableSync,
  parseProfile,
  parseTable,
  SQL_TYPES,
  validateTable,
} from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

/** One generated valid configuration, rendered by both front doors. */
interface Generated {
  name: string;
  columns: { name: string; type: string; nullable: boolean }[];
  address: string | string[];
  username?: string;
  password?: string;
  kind: 'string' | 'list' | 'hash';
  /** Target options in JSON spelling with their SQL names. */
  target: { json: string; sql: string; value: string | number }[];
  format?: 'json' | 'raw';
  onError?: 'fail' | 'skip' | 'dead_letter';
  deadLetterKey?: string;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Render numbers as '123' (true) or 123 in SQL. */
  quoteNumbers: boolean;
}

const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
// Prefixes and secrets: any text without a {{ }} reference (those stay unresolved and are tested elsewhere).
const text = fc.string({ maxLength: 12 }).filter((s) => !s.includes('{{') && !s.includes('}}'));
const nonEmptyText = text.filter((s) => s !== '');
const positive = fc.integer({ min: 1, max: 2 ** 31 });
const url = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.integer({ min: 1, max: 65535 }))
  .map(([h, p]) => `redis://${h}:${p}`);

const generated: fc.Arbitrary<Generated> = fc
  .record({
    name: ident,
    columns: fc.uniqueArray(
      fc.record({
        name: ident,
        type: fc.constantFrom(...SQL_TYPES, 'varchar', 'INT', 'double precision'),
        nullable: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5, selector: (c) => c.name },
    ),
    address: fc.oneof(url, fc.array(url, { minLength: 1, maxLength: 3 })),
    username: fc.option(nonEmptyText, { nil: undefined }),
    password: fc.option(nonEmptyText, { nil: undefined }),
    kind: fc.constantFrom('string' as const, 'list' as const, 'hash' as const),
    prefix: text,
    pick: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
    useKey: fc.boolean(),
    number: fc.option(positive, { nil: undefined }),
    operation: fc.constantFrom('Append', 'Prepend', 'append', 'PREPEND'),
    raw: fc.boolean(),
    onError: fc.option(fc.constantFrom('fail' as const, 'skip' as const, 'dead_letter' as const), {
      nil: undefined,
    }),
    deadLetterKey: fc.option(nonEmptyText, { nil: undefined }),
    batchSize: fc.option(positive, { nil: undefined }),
    flushIntervalMs: fc.option(positive, { nil: undefined }),
    quoteNumbers: fc.boolean(),
  })
  .map((g) => {
    const col = (i: number) => g.columns[g.pick[i] % g.columns.length].name;
    const target: Generated['target'] = [];
    const add = (json: string, sql: string, value: string | number | undefined) => {
      if (value !== undefined) target.push({ json, sql, value });
    };
    if (g.kind === 'string') {
      add('keyPrefix', 'sink.key_prefix', g.prefix);
      add('keyColumn', 'sink.key_column', g.useKey ? col(0) : undefined);
      add('ttlSecs', 'sink.ttl_secs', g.number);
    } else if (g.kind === 'list') {
      add('listPrefix', 'sink.list_prefix', g.prefix);
      add('listKeyColumn', 'sink.list_key_column', g.useKey ? col(0) : undefined);
      add('maxLength', 'sink.max_length', g.number);
      add('operation', 'sink.operation', g.operation);
    } else {
      add('hashKeyPrefix', 'sink.hash_key_prefix', g.prefix);
      add('hashKeyColumn', 'sink.hash_key_column', g.useKey ? col(0) : undefined);
      add('hashFieldColumn', 'sink.hash_field_column', col(1));
    }
    const keys = target.filter((t) => t.json.endsWith('Column')).map((t) => t.value);
    const values = g.columns.map((c) => c.name).filter((n) => !keys.includes(n));
    const rawOk = values.length === 1 || values.includes('value');
    const out: Generated = {
      name: g.name,
      columns: g.columns,
      address: g.address,
      username: g.username,
      password: g.password,
      kind: g.kind,
      target,
      format: g.raw ? (rawOk ? 'raw' : 'json') : undefined,
      onError: g.onError,
      deadLetterKey: g.onError === 'dead_letter' ? g.deadLetterKey : undefined,
      batchSize: g.batchSize,
      flushIntervalMs: g.flushIntervalMs,
      quoteNumbers: g.quoteNumbers,
    };
    return out;
  });

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function toSql(g: Generated): string {
  const num = (n: number) => (g.quoteNumbers ? quote(String(n)) : String(n));
  const lit = (v: string | number) => (typeof v === 'number' ? num(v) : quote(v));
  const opts: string[] = [`connector = 'redis'`, `type = 'sink'`, `'sink.type' = '${g.kind}'`];
  if (typeof g.address === 'string') opts.push(`address = ${quote(g.address)}`);
  else opts.push(`'cluster.addresses' = ${quote(g.address.join(','))}`);
  if (g.username !== undefined) opts.push(`username = ${quote(g.username)}`);
  if (g.password !== undefined) opts.push(`password = ${quote(g.password)}`);
  for (const t of g.target) opts.push(`'${t.sql}' = ${lit(t.value)}`);
  if (g.format !== undefined) opts.push(`format = '${g.format}'`);
  if (g.onError !== undefined) opts.push(`'sink.on_error' = '${g.onError}'`);
  if (g.deadLetterKey !== undefined) opts.push(`'sink.dead_letter_key' = ${quote(g.deadLetterKey)}`);
  if (g.batchSize !== undefined) opts.push(`'sink.batch_size' = ${num(g.batchSize)}`);
  if (g.flushIntervalMs !== undefined) opts.push(`'sink.flush_interval_ms' = ${num(g.flushIntervalMs)}`);
  const cols = g.columns.map((c) => `"${c.name}" ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE "${g.name}" (\n  ${cols.join(',\n  ')}\n) WITH (\n  ${opts.join(',\n  ')}\n)`;
}

function toJson(g: Generated) {
  const config: Record<string, unknown> = {
    connection: typeof g.address === 'string' ? { address: g.address } : { addresses: g.address },
  };
  if (g.username !== undefined) config.username = g.username;
  if (g.password !== undefined) config.password = g.password;
  const sink: Record<string, unknown> = {};
  if (g.onError !== undefined) sink.onError = g.onError;
  if (g.deadLetterKey !== undefined) sink.deadLetterKey = g.deadLetterKey;
  if (g.batchSize !== undefined) sink.batchSize = g.batchSize;
  if (g.flushIntervalMs !== undefined) sink.flushIntervalMs = g.flushIntervalMs;
  const table: Record<string, unknown> = {
    name: g.name,
    connector: 'redis',
    config: {
      connectorType: { target: Object.fromEntries(g.target.map((t) => [t.json, t.value])) },
      ...(g.format === undefined ? {} : { format: g.format }),
      ...(Object.keys(sink).length === 0 ? {} : { sink }),
    },
    schema: { fields: g.columns.map((c) => ({ name: c.name, data_type: c.type, nullable: c.nullable })) },
  };
  return { profile: { name: g.name, connector: 'redis', config }, table };
}

describe('front doors agree', () => {
  test('equivalence — SQL DDL and JSON forms of a generated valid configuration give deeply equal models', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const { profile, table } = toJson(g);
        const fromJson = parseTable(table, parseProfile(profile));
        const fromSql = parseCreateTableSync(toSql(g));
        expect(fromSql).toStrictEqual(fromJson);
      }),
      { numRuns: 300 },
    );
  });

  test('equivalence — re-validating a model through the TypeScript door returns it unchanged', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const model = parseCreateTableSync(toSql(g));
        expect(validateTable(structuredClone(model))).toStrictEqual(model);
      }),
      { numRuns: 200 },
    );
  });
});
