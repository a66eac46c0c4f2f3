import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseStatements } from '../../src/schema/sql-parser.js';
import { isolate, SqlText, statementRanges } from '../../src/schema/sql-script.js';

beforeAll(async () => {
  await loadSqlParser();
});

describe('sql-script', () => {
  it('sql script — statements split at the semicolons that end them, not those in strings or comments', () => {
    const sql = [
      "CREATE TABLE a (x TEXT) WITH (password = 'p;w') -- trailing; comment",
      '/* ; */ ;',
      "CREATE TABLE b WITH (connector = 'jsonl', path = 'x;y.jsonl');",
      'CREATE TABLE c (y TEXT)',
    ].join('\n');
    const ranges = statementRanges(sql, parseStatements(sql));
    const texts = ranges.map(([s, e]) => sql.slice(s, e).trim());
    expect(texts).toEqual([
      "CREATE TABLE a (x TEXT) WITH (password = 'p;w') -- trailing; comment\n/* ; */ ;",
      "CREATE TABLE b WITH (connector = 'jsonl', path = 'x;y.jsonl');",
      'CREATE TABLE c (y TEXT)',
    ]);
  });

  it('sql script — an isolated statement keeps its lines and columns in the script', () => {
    const sql = 'CREATE TABLE a (x TEXT);\n  CREATE TABLE b (y TEXT);';
    const [, second] = statementRanges(sql, parseStatements(sql));
    const alone = isolate(sql, second);
    expect(alone.split('\n')).toEqual([' '.repeat(24), '  CREATE TABLE b (y TEXT);']);
    expect(parseStatements(alone)).toHaveLength(1);
  });

  it('sql script — positions count code points, as the parser does', () => {
    // "-- é" then an emoji (two UTF-16 units, one code point), then a newline
    const text = new SqlText('-- é😀\nSELECT 1');
    expect(text.offset({ line: 1, column: 5 })).toBe(4); // the emoji
    expect(text.offset({ line: 1, column: 6 })).toBe(6); // the newline, after both units
    expect(text.offset({ line: 2, column: 1 })).toBe(7);
    const sql = "CREATE TABLE t WITH (a = '😀é', b = 'x')";
    expect(sql.slice(new SqlText(sql).offset({ line: 1, column: 32 }))).toBe("b = 'x')"); // parser's span of b
  });
});
