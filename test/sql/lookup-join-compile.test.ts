/**
 * Lookup joins in pipeline scripts, without Redis: which join shapes compile and what the job spec
 * carries, and every refused shape with its message and its line and column in the script.
 */
import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../src/coordinator/pipeline-definition.js';
import { LookupConfigError, validateLookupModel } from '../../src/lookup/index.js';
import { rewriteLookupSyntax } from '../../src/lookup/metadata-syntax.js';
import { parseJobSpec } from '../../src/plan/job-spec.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { PipelineSqlError, SqlQueryError } from '../../src/sql/errors.js';
import { scriptError } from './support.js';

const SOURCE = `CREATE TABLE events (event_id TEXT, user_id TEXT, sku BIGINT, score DOUBLE, at TIMESTAMP) WITH (
    connector = 'generator', rows_per_partition = '10'
);
`;
const USERS = `CREATE TEMPORARY TABLE users (
    id TEXT METADATA FROM 'key' PRIMARY KEY,
    name TEXT,
    tier INTEGER,
    home TEXT
) WITH (connector = 'redis', address = 'redis://127.0.0.1:6379', format = 'json');
`;
const PRODUCTS = `CREATE TABLE products (sku BIGINT PRIMARY KEY, title TEXT) WITH (
    connector = 'redis', type = 'lookup', address = 'redis://127.0.0.1:6379',
    format = 'raw', 'lookup.key_prefix' = 'product:'
);
`;
const REGIONS = `CREATE TEMPORARY TABLE regions (code TEXT PRIMARY KEY, label TEXT) WITH (
    connector = 'redis', address = 'redis://127.0.0.1:6379',
    'lookup.value_type' = 'hash', 'lookup.key_prefix' = 'region:'
);
`;
const SINK = `CREATE TABLE out (event_id TEXT, name TEXT, tier INTEGER) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'out:', 'sink.key_column' = 'event_id'
);
`;
const TABLES = SOURCE + USERS + PRODUCTS + REGIONS + SINK;

/** Line and column (1-based) of the `n`-th occurrence of `needle` in `text`. */
function at(text: string, needle: string, n = 1): string {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${needle} not in script`);
  }
  const before = text.slice(0, i);
  return `(line ${before.split('\n').length}, column ${i - before.lastIndexOf('\n')})`;
}

/** Compiles TABLES + `query` and checks the error's kind, message and position (at `marker`). */
async function refused(query: string, kind: string, message: RegExp, marker: string, n = 1) {
  const sql = TABLES + query;
  const e = await scriptError(sql);
  expect(e, e.message).toBeInstanceOf(SqlQueryError);
  expect(e.kind).toBe(kind);
  expect(e.message).toMatch(message);
  expect(e.message.slice(e.message.lastIndexOf(' (line'))).toBe(` ${at(sql, marker, n)}`);
}

describe('lookup join compile — accepted shapes and the job spec', () => {
  it('lookup join compile — LEFT, INNER and chained joins; lookups travel as statements', async () => {
    const spec = await compileSqlScript(
      `${TABLES}INSERT INTO out
SELECT e.event_id, u.name, u.tier
FROM events AS e
LEFT JOIN users AS u ON e.user_id = u.id
INNER JOIN products p ON p.sku = e.sku
LEFT OUTER JOIN regions r ON u.home = r.code
WHERE p.title <> 'x' AND r.label IS NOT NULL;`,
      { name: 'j' },
    );
    expect(spec.lookups?.map((l) => ('sql' in l ? l.sql.split('(')[0].trim() : 'model'))).toEqual([
      'CREATE TEMPORARY TABLE users',
      'CREATE TABLE products',
      'CREATE TEMPORARY TABLE regions',
    ]);
    // The statement is kept as written (METADATA FROM included): the rewrite kept its length.
    expect((spec.lookups![0] as { sql: string }).sql).toContain("id TEXT METADATA FROM 'key' PRIMARY KEY");
    expect(spec.tables).toHaveLength(1);
    expect(spec.tables[0].sources).toEqual(['events']);
    // The spec survives JSON and parseJobSpec, as it does on its way to a worker.
    const parsed = parseJobSpec({ ...JSON.parse(JSON.stringify(spec)), checkpoint: { dir: '/tmp/x' } });
    expect(parsed.lookups).toEqual(spec.lookups);
  });

  it('lookup join compile — either operand order, unqualified names, the same table twice under two aliases', async () => {
    await compileSqlScript(
      `${SOURCE}${USERS}${SINK}INSERT INTO out SELECT event_id, a.name, b.tier FROM events
JOIN users a ON a.id = user_id JOIN users b ON b.id = a.home;`,
      { name: 'j' },
    );
  });

  it('lookup join compile — redisAddress and stored profiles make lookups travel as models', async () => {
    const spec = await compileSqlScript(
      `${TABLES}INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users u ON e.user_id = u.id JOIN products p ON e.sku = p.sku JOIN regions r ON r.code = u.home;`,
      {
        name: 'j',
        redisAddress: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'],
      },
    );
    const model = (spec.lookups![0] as { model: unknown }).model;
    expect(model).toMatchObject({
      name: 'users',
      keyColumn: 'id',
      keySource: 'metadata',
      profile: {
        connection: { kind: 'cluster', addresses: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] },
      },
    });
    expect(validateLookupModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });

  it('lookup join compile — a pipeline created from a script keeps its lookup tables (checked again from the spec)', async () => {
    const sql = `${SOURCE}${USERS}${SINK}INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e LEFT JOIN users u ON e.user_id = u.id;`;
    const ctx = { checkpointDir: '/tmp/cp', baseDir: '/tmp', shards: 2, profiles: new Map() };
    const { spec } = await definePipeline({ name: 'p', sql }, ctx);
    expect(spec.lookups).toHaveLength(1);
    const broken = { ...spec, lookups: [{ model: { name: 'users' } }] };
    await expect(definePipeline({ spec: broken }, ctx)).rejects.toMatchObject({ code: 'ERR_LOOKUP_CONFIG' });
    const unknown = { ...spec, lookups: [] };
    await expect(definePipeline({ spec: unknown }, ctx)).rejects.toThrow(
      /table 'users' is not declared in the script \(lookup tables: none\)/,
    );
  });

  it('lookup join compile — SELECT * with a join lists the stream, then each lookup table', async () => {
    const wide = `CREATE TABLE wide (event_id TEXT, user_id TEXT, sku BIGINT, score DOUBLE, at TIMESTAMP, product_sku BIGINT, title TEXT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'w:', 'sink.key_column' = 'event_id'
);
`;
    await compileSqlScript(
      `${SOURCE}${PRODUCTS}${wide}INSERT INTO wide SELECT * FROM events e LEFT JOIN products p ON e.sku = p.sku;`,
      {
        name: 'j',
      },
    );
  });

  it('lookup join compile — a model that does not fit is refused naming the field', () => {
    expect(() => validateLookupModel({ name: 'u', columns: [] })).toThrow(LookupConfigError);
    const good = {
      name: 'u',
      profile: { name: 'u', connection: { kind: 'standalone', address: 'redis://h:1' } },
      columns: [
        { name: 'id', type: 'TEXT', nullable: true },
        { name: 'v', type: 'TEXT', nullable: true },
      ],
      keyColumn: 'id',
      keySource: 'primary_key',
      keyPrefix: 'u:',
      valueType: 'string',
      format: 'json',
      hashFetch: 'fields',
      cache: { maxBytes: 1000, ttlMs: null, negative: false },
      timeoutMs: 2000,
      maxAttempts: 3,
      badValue: 'fail',
    };
    expect(validateLookupModel(good)).toEqual(good);
    expect(() =>
      validateLookupModel({ ...good, columns: [{ name: 'id', type: 'DOUBLE' }, good.columns[1]] }),
    ).toThrow(/model field 'keyColumn' names a DOUBLE column/);
    expect(() => validateLookupModel({ ...good, maxAttempts: 11 })).toThrow(
      /model field 'maxAttempts' must be an integer from 1 to 10/,
    );
    expect(() => validateLookupModel({ ...good, keySource: 'metadata' })).toThrow(
      /model field 'keyPrefix' must be '' for a METADATA FROM 'key' column/,
    );
  });
});

describe('lookup join compile — refused shapes, with positions', () => {
  it('lookup join compile — RIGHT, FULL, CROSS, USING, NATURAL', async () => {
    const base = 'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e ';
    await refused(
      `${base}RIGHT JOIN users u ON e.user_id = u.id;`,
      'unsupported',
      /^RIGHT JOIN \(a lookup table is joined with \[LEFT \| INNER\] JOIN \.\.\. ON\) is not supported/,
      'users u',
    );
    await refused(`${base}FULL JOIN users u ON e.user_id = u.id;`, 'unsupported', /^FULL JOIN/, 'users u');
    await refused(`${base}CROSS JOIN users u;`, 'unsupported', /^CROSS JOIN/, 'users u');
    await refused(
      `${base}JOIN users u USING (id);`,
      'unsupported',
      /^JOIN \.\.\. USING: join users with ON <stream column> = u\.id/,
      'users u',
    );
    await refused(`${base}NATURAL JOIN users u;`, 'unsupported', /^NATURAL JOIN/, 'users u');
  });

  it('lookup join compile — conditions: non-equality, several conditions, a value column, no key column', async () => {
    const base = 'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e LEFT JOIN users u ON ';
    await refused(
      `${base}e.user_id <> u.id;`,
      'unsupported',
      /^the operator NotEq in a lookup join: the condition is one equality, <stream expression> = u\.id/,
      'e.user_id <>',
    );
    await refused(
      `${base}e.user_id = u.id AND e.sku > 1;`,
      'unsupported',
      /^several conditions \(AND\); put the others in WHERE/,
      'e.user_id = u.id AND',
    );
    await refused(
      `${base}e.user_id = u.id OR e.event_id = u.id;`,
      'unsupported',
      /^several conditions \(OR\)/,
      'e.user_id = u.id OR',
    );
    await refused(
      `${base}e.user_id = u.name;`,
      'shape',
      /^the lookup join compares 'u\.name', a value column of users: a lookup table is read by its key column, so the condition is <stream expression> = u\.id/,
      'u.name;',
    );
    await refused(
      `${base}e.user_id = e.event_id;`,
      'shape',
      /^the lookup join's condition must compare u\.id \(the key column of users\) with a value of the stream/,
      'e.user_id = e.event_id',
    );
    await refused(`${base}u.id = u.id;`, 'shape', /compares u\.id with itself/, 'u.id = u.id');
    await refused(
      `${base}e.sku = u.id;`,
      'type',
      /^cannot join on u\.id: TEXT and BIGINT do not match \(use CAST\(\.\.\. AS TEXT\)\)/,
      'e.sku = u.id',
    );
  });

  it('lookup join compile — two streams, a lookup table as the stream or the sink, a later table in a condition', async () => {
    const src2 = `CREATE TABLE more (user_id TEXT) WITH (connector = 'generator', rows_per_partition = '1');\n`;
    const sql = `${TABLES}${src2}INSERT INTO out SELECT e.event_id, 'x', 1 FROM events e JOIN more m ON e.user_id = m.user_id;`;
    const e = await scriptError(sql);
    expect(e.message).toMatch(
      /^joining two streams \('more' is a source table; only lookup tables .* can be joined\) is not supported in pipeline queries/,
    );
    expect(e.message).toContain(at(sql, 'more m'));

    await refused(
      'INSERT INTO out SELECT u.id, u.name, u.tier FROM users u;',
      'shape',
      /^cannot read from 'users': it is a lookup table \(Redis is not a stream source\); enrich a stream with it: FROM <stream> \[LEFT \| INNER\] JOIN/,
      'users u;',
    );
    await refused(
      'INSERT INTO users SELECT event_id, user_id, 1 FROM events;',
      'unknown-table',
      /^cannot INSERT INTO 'users': it is a lookup table/,
      'users SELECT',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users u ON r.code = u.id JOIN regions r ON r.code = e.user_id;',
      'unknown-table',
      /^'r' cannot be read here: a join's condition reads the stream and the tables joined before it \(e, u\)/,
      'r.code = u.id',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN sink_x u ON e.user_id = u.id;',
      'unknown-table',
      /^table 'sink_x' is not declared in the script \(lookup tables: users, products, regions\)/,
      'sink_x',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN out u ON e.user_id = u.id;',
      'unknown-table',
      /^cannot join 'out': it is a sink table/,
      'out u',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users e ON e.user_id = e.id;',
      'shape',
      /^'e' names two tables of this FROM clause/,
      'users e',
    );
  });

  it('lookup join compile — names: ambiguous, unknown, qualified by a table the query does not read', async () => {
    const withId = `CREATE TABLE ev2 (id TEXT, user_id TEXT) WITH (connector = 'generator', rows_per_partition = '1');\n`;
    const sink2 = `CREATE TABLE out2 (id TEXT, name TEXT) WITH (connector = 'redis', type = 'sink', address = 'redis://h:1', 'sink.type' = 'string', 'sink.key_prefix' = 'o:', 'sink.key_column' = 'id');\n`;
    const sql = `${USERS}${withId}${sink2}INSERT INTO out2 SELECT id, name FROM ev2 JOIN users u ON ev2.user_id = u.id;`;
    const e = await scriptError(sql);
    expect(e.message).toMatch(/^column 'id' is ambiguous: ev2 and u both have it \(write ev2\.id or u\.id\)/);
    expect(e.message).toContain(at(sql, 'id, name'));

    await refused(
      'INSERT INTO out SELECT e.event_id, u.nme, u.tier FROM events e JOIN users u ON e.user_id = u.id;',
      'unknown-column',
      /^column 'nme' is not a column of users \(did you mean 'name'\?\)/,
      'u.nme',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, x.name, u.tier FROM events e JOIN users u ON e.user_id = u.id;',
      'unknown-table',
      /^'x' is not a table of this query \(e, u\)/,
      'x.name',
    );
    await refused(
      'INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users u ON e.user_id = u.id WHERE u.tier = u.name;',
      'type',
      /^cannot compare with =: INTEGER and TEXT do not match/,
      'u.name;',
    );
  });

  it('lookup join compile — ORDER BY into an exactly-once table with a lookup join', async () => {
    const list = `CREATE TABLE feed (event_id TEXT, name TEXT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://h:1', 'sink.type' = 'list',
    'sink.list_prefix' = 'f:', 'sink.list_key_column' = 'name', 'sink.operation' = 'Append', 'sink.delivery' = 'exactly_once'
);
`;
    const sql = `${SOURCE}${USERS}${list}INSERT INTO feed SELECT e.event_id, u.name FROM events e JOIN users u ON e.user_id = u.id ORDER BY e.score;`;
    const e = await scriptError(sql);
    expect(e.message).toMatch(
      /^ORDER BY with a lookup join into exactly-once table 'feed' is not supported: a replayed batch may find other values in Redis/,
    );
    expect(e.message).toContain(at(sql, 'e.score;'));
  });

  it('lookup join compile — a lookup table no query joins, or a script without INSERT', async () => {
    const unused = await scriptError(
      `${SOURCE}${USERS}${PRODUCTS}${SINK}INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users u ON e.user_id = u.id;`,
    );
    expect(unused).toBeInstanceOf(PipelineSqlError);
    expect(unused.message).toBe("table 'products': is a lookup table that no query joins");
    const noInsert = await scriptError(`${SOURCE}${USERS}${SINK}`);
    expect(noInsert.message).toMatch(
      /^table 'users': is a lookup table, but the script has no INSERT to join it in/,
    );
  });

  it('lookup join compile — lookup option errors point into the script', async () => {
    const bad = USERS.replace("format = 'json'", "'lookup.cache.ttl' = 'soon'");
    const sql = `${SOURCE}${bad}${SINK}INSERT INTO out SELECT e.event_id, u.name, u.tier FROM events e JOIN users u ON e.user_id = u.id;`;
    const e = await scriptError(sql);
    expect(e).toBeInstanceOf(LookupConfigError);
    expect(e.message).toContain("option 'lookup.cache.ttl' must be a positive duration");
    expect(e.message).toContain(at(sql, "'soon'"));
  });
});

describe('lookup join compile — METADATA FROM over line breaks', () => {
  it('lookup join compile — the rewrite keeps offsets and lines; positions after the clause stay exact', async () => {
    for (const clause of ["METADATA\n    FROM 'key'", "METADATA FROM\n'key'", "METADATA\n\n  FROM   'key'"]) {
      const users = USERS.replace("METADATA FROM 'key'", clause);
      const rewritten = rewriteLookupSyntax(users);
      expect(rewritten.length).toBe(users.length);
      expect(rewritten.split('\n').length).toBe(users.split('\n').length);
      const sql = `${SOURCE}${users}${SINK}INSERT INTO out SELECT e.event_id, u.nme, u.tier FROM events e JOIN users u ON e.user_id = u.id;`;
      const e = await scriptError(sql);
      expect(e.message).toContain(at(sql, 'u.nme'));
    }
  });
});
