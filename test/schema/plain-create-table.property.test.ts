/**
 * The fast path for plain sink DDL stays one parser's semantics: every statement it reads, it
 * reads into the very tree the full (WebAssembly) parser gives, and so into the same table or the
 * same error. Statements are generated near the plain form and then, often, off it (other words,
 * types, literals, comments, escapes, a character inserted or removed), so that both the agreeing
 * and the falling-back sides are exercised.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TYPE_ALIASES } from '../../src/schema/column-types.js';
import {
  PLAIN_COLUMN_TYPES,
  PLAIN_OPTION_KEYS,
  plainCreateTable,
} from '../../src/schema/plain-create-table.js';
import { loadSqlParser, parseStatements } from '../../src/schema/sql-parser.js';
import { isNode } from '../../src/schema/sql-tree.js';
import { parseCreateTable, parseCreateTableSync, SQL_OPTIONS } from '../../src/sink/config/sql-ddl.js';

beforeAll(() => loadSqlParser());

/** The fields of the full parser's `CreateTable` node that sink DDL reads. */
function fullNode(sql: string): unknown {
  let statements: unknown[];
  try {
    statements = parseStatements(sql);
  } catch (e) {
    return { error: String((e as Error).message) };
  }
  const create = statements.length === 1 && isNode(statements[0]) ? statements[0].CreateTable : undefined;
  if (!isNode(create)) return { statements: statements.length };
  const { name, columns, constraints, query, table_options } = create;
  return { name, columns, constraints, query, table_options };
}

/** A table or the error, as plain data, so that the two paths compare with one assertion. */
async function outcome(parse: () => unknown): Promise<unknown> {
  try {
    return { table: await parse() };
  } catch (e) {
    const err = e as Error;
    return { error: err.constructor.name, message: err.message, fields: { ...err } };
  }
}

const cased = (word: string) =>
  fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase());

/**
 * One piece of a statement: its plain spellings, or (`odd`) those mixed with spellings only the
 * full parser reads, or that neither does.
 */
const piece = <T>(odd: boolean, plain: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  odd ? fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: other }) : plain;

const space = (odd: boolean) =>
  piece(
    odd,
    fc.constantFrom(' ', '  ', '\t', '\n', ' \n  ', ' -- note\n', '\n-- a -- b\n'),
    fc.constantFrom(' /* c */ ', '\r\n', '\u00a0', ' # x\n'),
  );
const gap = (odd: boolean) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: space(odd) });

/** Keywords, some of which mean something where a name is expected. */
const NAME_WORDS = [
  'timestamp',
  'key',
  'value',
  'user',
  'text',
  'json',
  'type',
  'name',
  'data',
  'primary',
  'unique',
  'constraint',
  'check',
  'index',
  'foreign',
  'like',
  'if',
  'not',
  'null',
  'default',
  'with',
  'as',
  'select',
  'table',
  'fulltext',
  'period',
  'heap',
  'partition',
];
const name = (odd: boolean) =>
  piece(
    odd,
    fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/) },
      {
        weight: 1,
        arbitrary: fc.string({ minLength: 1, maxLength: 6 }).map((s) => `"${s.replaceAll('"', '')}"`),
      },
      { weight: 1, arbitrary: fc.constantFrom(...NAME_WORDS).chain(cased) },
    ),
    fc.constantFrom('"a""b"', '"é"', 'é', 'a.b', 'a$b', '"x\\y"', '1a', '""', '`a`', '[a]'),
  );

const type = (odd: boolean) =>
  piece(
    odd,
    fc.constantFrom(...PLAIN_COLUMN_TYPES).chain(cased),
    fc.constantFrom(
      'DATE',
      'INT2',
      'VARCHAR(10)',
      'DOUBLE PRECISION',
      'TIMESTAMP WITH TIME ZONE',
      'TIMESTAMPTZ',
      'TEXT[]',
      'BIGINT UNSIGNED',
      'JSON NOT',
    ),
  );
const columnOption = (odd: boolean) =>
  piece(
    odd,
    fc.constantFrom('NOT NULL', 'not null', 'NULL', 'Not  Null', 'NOT\nNULL'),
    fc.constantFrom('DEFAULT 1', 'PRIMARY KEY', 'UNIQUE', "COMMENT 'x'", 'NOT', 'CHECK (x > 1)'),
  );
const column = (odd: boolean) =>
  fc
    .tuple(
      name(odd),
      space(odd),
      type(odd),
      fc.array(fc.tuple(space(odd), columnOption(odd)), { maxLength: 2 }),
    )
    .map(([n, s, t, opts]) => `${n}${s}${t}${opts.map(([sp, o]) => sp + o).join('')}`);

const quotedText = (odd: boolean) =>
  piece(
    odd,
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\\', '').replaceAll("'", "''")),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom("it''s", 'a\nb', 'a\tb', 'redis://127.0.0.1:6379', '{{ PASS }}', ''),
      },
    ),
    fc.constantFrom('a\\b', 'é', 'a\r\nb', "a\\'b"),
  );
const keyName = (odd: boolean) =>
  piece(
    odd,
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...PLAIN_OPTION_KEYS).chain(cased) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(...SQL_OPTIONS.filter((o) => o.includes('.'))).map((o) => `'${o}'`),
      },
      { weight: 1, arbitrary: quotedText(false).map((t) => `'${t}'`) },
    ),
    fc.constantFrom('heap', 'partition', 'clustered', 'foo', '"type"', 'sink.type', 'with', 'N', "E'x'"),
  );
const value = (odd: boolean) =>
  piece(
    odd,
    fc.oneof(
      { weight: 3, arbitrary: quotedText(odd).map((t) => `'${t}'`) },
      { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,6}$/) },
    ),
    fc.constantFrom(
      '-1',
      '1.5',
      'true',
      'NULL',
      '1e3',
      "N'x'",
      "E'x'",
      "'a' 'b'",
      "'a' || 'b'",
      'x',
      '1_0',
      "X'0A'",
    ),
  );
const entry = (odd: boolean) =>
  fc
    .tuple(
      gap(odd),
      keyName(odd),
      gap(odd),
      piece(odd, fc.constant('='), fc.constantFrom('==', '=>', ':')),
      gap(odd),
      value(odd),
      gap(odd),
    )
    .map((parts) => parts.join(''));

const statement = (odd: boolean) =>
  fc
    .record({
      create: cased('CREATE'),
      table: cased('TABLE'),
      with: cased('WITH'),
      s: fc.array(space(odd), { minLength: 2, maxLength: 2 }),
      g: fc.array(gap(odd), { minLength: 5, maxLength: 5 }),
      name: name(odd),
      columns: fc.array(fc.tuple(gap(odd), column(odd), gap(odd)), { minLength: 1, maxLength: 4 }),
      entries: fc.array(entry(odd), { minLength: 1, maxLength: 5 }),
      end: piece(
        odd,
        fc.constantFrom('', ';', ' ;\n', ' -- done', '; -- done'),
        fc.constantFrom(';;', '; SELECT 1', ' AS SELECT 1', " COMMENT 'x'", ', (b TEXT)'),
      ),
    })
    .map(
      (r) =>
        `${r.g[0]}${r.create}${r.s[0]}${r.table}${r.s[1]}${r.name}${r.g[1]}(` +
        r.columns.map((c) => c.join('')).join(',') +
        `)${r.g[2]}${r.with}${r.g[3]}(${r.entries.join(',')})${r.end}${r.g[4]}`,
    );

/** A statement with one character inserted or removed somewhere. */
const mutated = fc
  .tuple(statement(false), fc.nat(), fc.constantFrom("'", '"', '(', ')', ',', ' ', '-', ';', '.', 'x', ''))
  .map(([sql, at, c]) => {
    const i = at % sql.length;
    return c === '' ? sql.slice(0, i) + sql.slice(i + 1) : sql.slice(0, i) + c + sql.slice(i);
  });

const ddl = fc.oneof(
  { weight: 2, arbitrary: statement(false) },
  { weight: 2, arbitrary: statement(true) },
  { weight: 1, arbitrary: mutated },
);

describe('plain CREATE TABLE fast path', () => {
  it('plain DDL — every statement the fast path reads gives the full parser tree, table and error', async () => {
    let read = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(ddl, async (sql) => {
        runs++;
        const fast = plainCreateTable(sql);
        if (fast === undefined) return;
        read++;
        expect(fast).toStrictEqual(fullNode(sql));
        expect(await outcome(() => parseCreateTable(sql))).toStrictEqual(
          await outcome(() => parseCreateTableSync(sql)),
        );
      }),
      { numRuns: 3000 },
    );
    // Both sides ran: the fast path read a good share, and gave many up.
    expect(read).toBeGreaterThan(runs / 5);
    expect(read).toBeLessThan(runs * 0.9);
  });

  it('plain DDL — the docs form is read, anything unusual goes to the full parser', () => {
    const docs = `CREATE TABLE user_cache (
    user_id TEXT NOT NULL,
    user_data JSON
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'string',
    'sink.key_prefix' = 'user:',
    'sink.key_column' = 'user_id',
    'sink.ttl_secs' = '86400'  -- one day
);`;
    expect(plainCreateTable(docs)).toStrictEqual(fullNode(docs));
    for (const sql of [
      docs.replace('connector', '/* c */ connector'),
      docs.replace('TEXT NOT NULL', 'TIMESTAMP WITH TIME ZONE'),
      docs.replace('user_cache', 'app.user_cache'),
      docs.replace("'user:'", "'usér:'"),
      docs.replace(');', ') AS SELECT 1;'),
      docs.replace('user_data JSON', 'PRIMARY KEY (user_id)'),
      docs.replace("'86400'", "'86400' || '0'"),
      docs.replace('\n', '\r\n'),
      `${docs}\n${docs}`,
    ]) {
      expect(plainCreateTable(sql), sql).toBeUndefined();
    }
  });

  it('plain DDL — every one-word spelling of a column type is read by the fast path', () => {
    const oneWord = Object.keys(TYPE_ALIASES).filter((t) => !t.includes(' '));
    expect([...PLAIN_COLUMN_TYPES].sort()).toEqual(oneWord.sort());
  });

  it('plain DDL — every unquoted sink option key is read by the fast path', () => {
    const unquoted = SQL_OPTIONS.filter((o) => !o.includes('.'));
    expect([...PLAIN_OPTION_KEYS].sort()).toEqual([...unquoted].sort());
  });
});
