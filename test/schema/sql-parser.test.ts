import { beforeAll, describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../../src/schema/errors.js';
import { loadSqlParser, MAX_SQL_LENGTH, parseStatements } from '../../src/schema/sql-parser.js';
import { parseCreateTable } from '../../src/sink/config/sql-ddl.js';

const TABLE = `CREATE TABLE t (k TEXT, v TEXT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6379', 'sink.type' = 'string', 'sink.key_prefix' = 'p:', 'sink.key_column' = 'k')`;

/** `SELECT a0 + a1 + ... FROM t`: about 4 KB of SQL at 700 terms, enough to trap the parser at 1,000. */
const chain = (terms: number) =>
  `SELECT ${Array.from({ length: terms }, (_, i) => `a${i}`).join(' + ')} FROM t`;
const nested = (depth: number) => `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`;

beforeAll(() => loadSqlParser());

describe('SQL parser', () => {
  it('SQL parser — an expression chained too long is refused, and the parser keeps working', async () => {
    expect(() => parseStatements(chain(1000))).toThrow(/too complex for the SQL parser/);
    // Before, the trap left the WebAssembly instance corrupt: every later parse failed.
    await loadSqlParser();
    expect(parseStatements('SELECT 1')).toHaveLength(1);
    expect((await parseCreateTable(TABLE)).name).toBe('t');
  });

  it('SQL parser — repeated traps in a row never leave a broken parser behind', async () => {
    for (let i = 0; i < 4; i++) {
      await loadSqlParser();
      expect(() => parseStatements(chain(1200))).toThrow(SqlSyntaxError);
    }
    await loadSqlParser();
    expect(parseStatements(chain(100))).toHaveLength(1);
  });

  it('SQL parser — nesting deeper than the recursion limit is a syntax error, not a trap', async () => {
    expect(() => parseStatements(nested(100))).toThrow(/recursion limit exceeded/);
    await loadSqlParser();
    expect(parseStatements(nested(30))).toHaveLength(1);
  });

  it('SQL parser — text over the size bound is refused before parsing', () => {
    const big = `SELECT '${'x'.repeat(MAX_SQL_LENGTH)}'`;
    expect(() => parseStatements(big)).toThrow(/at most 1000000 are accepted/);
  });

  it('SQL parser — a syntax error still names the line and column', () => {
    try {
      parseStatements('SELECT 1;\nSELEC 2');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlSyntaxError);
      expect((e as SqlSyntaxError).line).toBe(2);
      expect((e as SqlSyntaxError).column).toBe(1);
    }
  });
});
