import { describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/schema/sql-parser.js';
import { parseCreateTable } from '../../src/sink/config/sql-ddl.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { SqlQueryError } from '../../src/sql/errors.js';
import { compileQuerySpec, sourceSchemaOf } from '../../src/sql/job-queries.js';
import { scriptError } from './support.js';

const SOURCE = `CREATE TABLE scores (
    game_id TEXT,
    player_id TEXT,
    score BIGINT,
    ratio DOUBLE,
    at TIMESTAMP
) WITH (connector = 'generator', rows_per_partition = '10');
`;

const SINK = `CREATE TABLE board (
    game_id TEXT,
    player_id TEXT,
    score BIGINT
) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:6379',
    'sink.type' = 'hash', 'sink.hash_key_prefix' = 'board:',
    'sink.hash_key_column' = 'game_id', 'sink.hash_field_column' = 'player_id'
);
`;

const LIST = `CREATE TABLE feed (game_id TEXT, total BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:6379',
    'sink.type' = 'list', 'sink.list_prefix' = 'feed:', 'sink.list_key_column' = 'game_id',
    'sink.operation' = 'Append'
);
`;

/** Line and column (1-based) of the `n`-th occurrence of `needle` in `text`. */
function at(text: string, needle: string, n = 1): string {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${needle} not in script`);
  }
  const before = text.slice(0, i);
  const line = before.split('\n').length;
  return `(line ${line}, column ${i - before.lastIndexOf('\n')})`;
}

/** Compiles `SOURCE + SINK + query` and checks the error's kind, message and position. */
async function expectQueryError(
  query: string,
  kind: string,
  message: RegExp,
  marker: string,
  n = 1,
  extra = '',
) {
  const sql = SOURCE + SINK + extra + query;
  const e = await scriptError(sql);
  expect(e, e.message).toBeInstanceOf(SqlQueryError);
  expect(e.kind).toBe(kind);
  expect(e.code).toBe('ERR_SQL_QUERY');
  expect(e.message).toMatch(message);
  expect(e.message.slice(e.message.lastIndexOf(' (line'))).toBe(` ${at(sql, marker, n)}`);
}

describe('sql compile errors — line and column in the script', () => {
  it('unknown column, with a suggestion', async () => {
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE scre > 10;',
      'unknown-column',
      /^column 'scre' is not a column of scores \(did you mean 'score'\?\)/,
      'scre',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, nope FROM scores;',
      'unknown-column',
      /column 'nope' is not a column of scores \(columns: game_id, player_id, score, ratio, at\)/,
      'nope',
    );
  });

  it('unknown function, with a suggestion', async () => {
    await expectQueryError(
      'INSERT INTO board SELECT game_id, LOWR(player_id), score FROM scores;',
      'unknown-function',
      /^unknown function LOWR \(did you mean LOWER\?\)/,
      'LOWR',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE SOUNDEX(game_id) = 1;',
      'unknown-function',
      /^unknown function SOUNDEX \(known: NOW, JSON_OBJECT, CONCAT/,
      'SOUNDEX',
    );
  });

  it('type errors — operands, conditions, functions, and values that do not fit their sink column', async () => {
    await expectQueryError(
      "INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE score > 'lots';",
      'type',
      /^cannot compare with >: BIGINT and TEXT do not match/,
      "'lots'",
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE score + 1;',
      'type',
      /^WHERE needs a BOOLEAN condition, got BIGINT/,
      'score + 1',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE game_id * 2 > 1;',
      'type',
      /^operator \* needs numeric operands, got TEXT/,
      'game_id * 2',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, ratio FROM scores;',
      'type',
      /^column 'score' of board is BIGINT, but the value written to it is DOUBLE \(use CAST\(\.\.\. AS BIGINT\)\)/,
      'ratio FROM',
    );
    await expectQueryError(
      "INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE DATE_TRUNC('fortnight', at) > at;",
      'type',
      /^DATE_TRUNC: unknown unit 'fortnight'/,
      "'fortnight'",
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, UPPER(score), score FROM scores;',
      'type',
      /^UPPER needs TEXT, got BIGINT/,
      'score),',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id FROM scores;',
      'type',
      /^INSERT INTO board writes 3 columns \(game_id, player_id, score\) but the SELECT gives 2/,
      'game_id, player_id FROM',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, CAST(TRUE AS TIMESTAMP) FROM scores;',
      'type',
      /^cannot CAST BOOLEAN to TIMESTAMP/,
      'TRUE AS', // the parser gives CAST no span of its own: its operand's
    );
  });

  it('tables — unknown, a source written to, a sink read from', async () => {
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scorez;',
      'unknown-table',
      /^table 'scorez' is not declared in the script \(source tables: scores\)/,
      'scorez',
    );
    await expectQueryError(
      'INSERT INTO scores SELECT game_id, player_id, score FROM scores;',
      'unknown-table',
      /^cannot INSERT INTO 'scores': it is a source table/,
      'scores SELECT',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM board;',
      'unknown-table',
      /^cannot read from 'board': it is a sink table/,
      'board;',
    );
  });

  it('unsupported clauses and shapes', async () => {
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores LIMIT 10;',
      'unsupported',
      /^LIMIT \(an unbounded stream has no end to count to\) is not supported/,
      '10;',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, SUM(score) FROM scores GROUP BY game_id, player_id HAVING SUM(score) > 1;',
      'shape',
      /^HAVING into table 'board' needs 'sink.mode' = 'upsert'/,
      'SUM(score) > 1',
    );
    await expectQueryError(
      'INSERT INTO board SELECT s.game_id, s.player_id, s.score FROM scores s JOIN scores t ON s.game_id = t.game_id;',
      'unsupported',
      /^joining two streams \('scores' is a source table; only lookup tables .* can be joined\) is not supported/,
      'scores t',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id AS player_id, player_id, score FROM scores;',
      'shape',
      /^select item 1 is named 'player_id' but is written to column 'game_id' of board/,
      'player_id,',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, COUNT(DISTINCT score) FROM scores GROUP BY game_id, player_id;',
      'unsupported',
      /^COUNT\(DISTINCT \.\.\.\) \(its state would hold every distinct value .*\) is not supported/,
      'COUNT',
    );
  });

  it('GROUP BY — aggregates out of place, columns outside GROUP BY, keys not from GROUP BY', async () => {
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, score FROM scores WHERE SUM(score) > 1;',
      'shape',
      /^aggregate function SUM is not allowed in WHERE/,
      'SUM',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, SUM(score) FROM scores GROUP BY game_id;',
      'shape',
      /^column 'player_id' must appear in GROUP BY or be used in an aggregate function/,
      'player_id, SUM',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, MAX(player_id), SUM(score) FROM scores GROUP BY game_id;',
      'shape',
      /^board's field column 'player_id' is computed from an aggregate: with GROUP BY, the Redis key \(and hash field or member\) must be computed from GROUP BY columns/,
      'MAX(player_id)',
    );
    await expectQueryError(
      'INSERT INTO board SELECT game_id, player_id, SUM(MAX(score)) FROM scores GROUP BY game_id, player_id;',
      'shape',
      /^aggregate function MAX is not allowed in an aggregate argument/,
      'MAX(score)',
    );
    await expectQueryError(
      'INSERT INTO feed SELECT game_id, SUM(score) AS total FROM scores GROUP BY game_id;',
      'shape',
      /^GROUP BY into list table 'feed' needs 'sink.delivery' = 'at_least_once'/,
      'game_id;',
      1,
      LIST,
    );
  });

  it('script wiring — sinks no INSERT writes, sources no INSERT reads, other statements', async () => {
    const query = 'INSERT INTO board SELECT game_id, player_id, score FROM scores;';
    const two = SOURCE + SINK + LIST + query;
    expect((await scriptError(two)).message).toBe(
      "table 'feed': is a sink that no INSERT writes (a script with INSERT statements wires its tables by them)",
    );
    const other = SOURCE.replace('scores', 'other') + SOURCE + SINK + query;
    expect((await scriptError(other)).message).toBe("table 'other': is a source that no INSERT reads");
    const del = `${SOURCE + SINK}DELETE FROM board;`;
    expect((await scriptError(del)).message).toMatch(
      /^pipeline script: statement 3 is Delete: a pipeline script holds/,
    );
    const bad = `${SOURCE + SINK}INSERT INTO board SELECT game_id FROM scores WHERE;`;
    expect((await scriptError(bad)).message).toMatch(
      /^SQL syntax error at line 17, column 51: Expected: an expression, found: ';'/,
    );
  });

  it('generator source tables — column options are checked with their positions', async () => {
    const gen = (opts: string) => `CREATE TABLE g (a TEXT, n INTEGER, t TIMESTAMP) WITH (
    connector = 'generator', rows_per_partition = '10',
    ${opts}
);
${SINK}INSERT INTO board SELECT a, a, n FROM g;`;
    expect((await scriptError(gen("'fields.b.cardinality' = '3'"))).message).toBe(
      `table 'g': option 'fields.b.cardinality' names no declared column (write 'fields.<column>.<option>'; columns: a, n, t) (line 3, column 30)`,
    );
    expect((await scriptError(gen("'fields.a.cardnality' = '3'"))).message).toMatch(
      /option 'fields.a.cardnality' is not a known column option \(did you mean 'cardinality'\?\)/,
    );
    expect((await scriptError(gen("'fields.n.min' = '9', 'fields.n.max' = '1'"))).message).toMatch(
      /option 'fields.n.max' is not valid: min must not be above max/,
    );
    expect((await scriptError(gen("'fields.n.values' = '1,x'"))).message).toMatch(/'x' is not a number/);
    expect((await scriptError(gen("keys = '5'"))).message).toMatch(
      /option 'keys' applies to the built-in generator rows only/,
    );
    const builtIn = `CREATE TABLE g (k TEXT, v TEXT) WITH (connector = 'generator', rows_per_partition = '1');\n${SINK}`;
    expect((await scriptError(builtIn)).message).toMatch(
      /declares built-in generator column 'v' as TEXT, but it is BIGINT/,
    );
  });

  it('queries of a JSON job spec — positions shifted to where the statement was in its script', async () => {
    await loadSqlParser();
    const spec = await compileSqlScript(
      `${SOURCE}${SINK}\n  INSERT INTO board SELECT game_id, player_id, score FROM scores;`,
      {
        name: 'j',
      },
    );
    expect(spec.queries).toEqual([
      { sql: '\n\n  INSERT INTO board SELECT game_id, player_id, score FROM scores;', line: 16, column: 3 },
    ]);
    const sink = await parseCreateTable(SINK);
    const sources = new Map([['scores', sourceSchemaOf(spec.sources[0])]]);
    const query = {
      sql: 'INSERT INTO board\nSELECT game_id, player_id, bogus FROM scores',
      line: 40,
      column: 5,
    };
    expect(() => compileQuerySpec(query, sources, new Map([['board', sink]]))).toThrow(
      /column 'bogus' is not a column of scores .* \(line 41, column 28\)$/,
    );
    const first = { ...query, sql: 'INSERT INTO board SELECT game_id, player_id, bogus FROM scores' };
    expect(() => compileQuerySpec(first, sources, new Map([['board', sink]]))).toThrow(
      /\(line 40, column 50\)$/,
    );
  });
});
