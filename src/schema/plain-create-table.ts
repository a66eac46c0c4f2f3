/**
 * A fast path for the plain sink DDL, so that the first `createSink({ sql })` of a process need
 * not compile the WebAssembly SQL parser (sql-parser.ts) — most of that call's time:
 *
 *   CREATE TABLE name (col TYPE [NOT NULL | NULL]..., ...) WITH (key = 'value' | 123, ...) [;]
 *
 * It builds the very `CreateTable` node the full parser gives for such a statement (the fields
 * sql-ddl.ts reads, spans included), and gives up — `undefined` — on anything else: other
 * syntax, block comments, other types, keys or literals, escapes, non-ASCII text, words that
 * could start a constraint. The caller then asks the full parser, so the fast path never decides
 * what a statement means; a property test holds the two parsers equal on generated DDL.
 */
import type { Node } from './sql-tree.js';

/**
 * Column types read here, as the full parser's `data_type` values (fresh objects per column).
 * Types with arguments or several words (`VARCHAR(64)`, `DOUBLE PRECISION`) go to the full parser.
 */
const TYPES: Readonly<Record<string, () => unknown>> = {
  TEXT: () => 'Text',
  VARCHAR: () => ({ Varchar: undefined }),
  STRING: () => ({ String: undefined }),
  BIGINT: () => ({ BigInt: undefined }),
  INTEGER: () => ({ Integer: undefined }),
  INT: () => ({ Int: undefined }),
  DOUBLE: () => ({ Double: 'None' }),
  FLOAT: () => ({ Float: 'None' }),
  BOOLEAN: () => 'Boolean',
  BOOL: () => 'Bool',
  TIMESTAMP: () => ({ Timestamp: [undefined, 'None'] }),
  JSON: () => 'JSON',
  JSONB: () => 'JSONB',
  BYTEA: () => 'Bytea',
  INT4: () => ({ Int4: undefined }),
  INT8: () => ({ Int8: undefined }),
  INT64: () => 'Int64',
  FLOAT8: () => 'Float8',
  FLOAT64: () => 'Float64',
  BYTES: () => ({ Bytes: undefined }),
  BLOB: () => ({ Blob: undefined }),
};

/** The column type names the fast path reads (every one-word spelling of a supported type). */
export const PLAIN_COLUMN_TYPES: ReadonlySet<string> = new Set(Object.keys(TYPES));

/**
 * Option keys read here when unquoted (quoted keys, `'sink.type'`, are read whatever they say).
 * Other unquoted words may be keywords the full parser treats apart (`HEAP`, `PARTITION`).
 */
export const PLAIN_OPTION_KEYS: ReadonlySet<string> = new Set([
  'connector',
  'type',
  'address',
  'username',
  'password',
  'format',
  'connection_profile',
]);

/**
 * Unquoted names left to the full parser: words that could start a table constraint or a
 * clause where a column or table name is expected, and SQL's reserved words.
 */
const RESERVED = new Set(
  (
    'all and any as asc between by case cast check collate column constraint create cross current ' +
    'default delete desc distinct drop else end exclude except exists false fetch for foreign from ' +
    'fulltext full group having if ilike in index inner insert intersect into is join key lateral ' +
    'left like limit natural not null of offset on or order outer period primary references right ' +
    'select set similar spatial table then to true union unique update using values when where with'
  ).split(' '),
);

/** Longer text goes to the full parser, which also enforces its length limit. */
const MAX_PLAIN_LENGTH = 64 * 1024;

type Token =
  | { kind: 'word'; text: string; line: number; column: number; end: number }
  | { kind: 'quoted'; text: string; line: number; column: number; end: number }
  | { kind: 'string'; text: string; line: number; column: number; endLine: number; end: number }
  | { kind: 'number'; text: string; line: number; column: number; end: number }
  | { kind: '(' | ')' | ',' | '=' | ';'; line: number; column: number };

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;
/** Characters that would make a word or number a longer or different token for the full parser. */
const GLUED = /[A-Za-z0-9_$#@.'"`&]/;

/**
 * The tokens of `sql`, or undefined at the first character the fast path does not read. Lines and
 * columns are 1-based, counted in characters (the text is ASCII), as the full parser counts them.
 */
function tokenize(sql: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\n') {
      i++;
      line++;
      column = 1;
    } else if (c === ' ' || c === '\t') {
      i++;
      column++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '(' || c === ')' || c === ',' || c === '=' || c === ';') {
      if (c === '=' && /[=>]/.test(sql[i + 1] ?? '')) return undefined; // `==`, `=>`
      out.push({ kind: c, line, column });
      i++;
      column++;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_PART.test(sql[j])) j++;
      if (j < sql.length && GLUED.test(sql[j])) return undefined;
      out.push({ kind: 'word', text: sql.slice(i, j), line, column, end: column + (j - i) });
      column += j - i;
      i = j;
    } else if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < sql.length && sql[j] >= '0' && sql[j] <= '9') j++;
      if (j < sql.length && GLUED.test(sql[j])) return undefined;
      out.push({ kind: 'number', text: sql.slice(i, j), line, column, end: column + (j - i) });
      column += j - i;
      i = j;
    } else if (c === '"') {
      const j = sql.indexOf('"', i + 1);
      const text = j === -1 ? '' : sql.slice(i + 1, j);
      if (text === '' || /[\n\\]/.test(text) || sql[j + 1] === '"') return undefined;
      out.push({ kind: 'quoted', text, line, column, end: column + (j + 1 - i) });
      column += j + 1 - i;
      i = j + 1;
    } else if (c === "'") {
      const start = { line, column };
      let text = '';
      let j = i + 1;
      column++;
      for (;;) {
        if (j >= sql.length || sql[j] === '\\') return undefined;
        if (sql[j] === "'") {
          if (sql[j + 1] !== "'") break;
          text += "'";
          j += 2;
          column += 2;
        } else {
          if (sql[j] === '\n') {
            line++;
            column = 0;
          }
          text += sql[j];
          j++;
          column++;
        }
      }
      column++;
      i = j + 1;
      if (i < sql.length && GLUED.test(sql[i])) return undefined;
      out.push({ kind: 'string', text, ...start, endLine: line, end: column });
    } else {
      return undefined;
    }
  }
  return out;
}

function span(line: number, column: number, endLine: number, end: number): Node {
  return { start: { line, column }, end: { line: endLine, column: end } };
}

/** An `Ident` node of a name token (a word that is not reserved, or a double-quoted name). */
function nameIdent(t: Token | undefined): Node | undefined {
  if (t?.kind === 'quoted')
    return { value: t.text, quote_style: '"', span: span(t.line, t.column, t.line, t.end) };
  if (t?.kind !== 'word' || RESERVED.has(t.text.toLowerCase())) return undefined;
  return { value: t.text, quote_style: undefined, span: span(t.line, t.column, t.line, t.end) };
}

/**
 * The full parser's `CreateTable` node of a plain `CREATE TABLE ... WITH (...)` statement, as far
 * as sql-ddl.ts reads it (`name`, `columns`, `constraints`, `query`, `table_options`), or
 * undefined when the statement is anything else.
 */
export function plainCreateTable(sql: string): Node | undefined {
  if (sql.length > MAX_PLAIN_LENGTH || !/^[\x20-\x7e\t\n]*$/.test(sql)) return undefined;
  const tokens = tokenize(sql);
  if (tokens === undefined) return undefined;
  let at = 0;
  const next = (): Token | undefined => tokens[at++];
  const keyword = (word: string): boolean => {
    const t = next();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  };
  const punct = (kind: '(' | ')' | ',' | '='): boolean => next()?.kind === kind;

  if (!keyword('CREATE') || !keyword('TABLE')) return undefined;
  const name = nameIdent(next());
  if (name === undefined || !punct('(')) return undefined;

  const columns: Node[] = [];
  for (;;) {
    const column = nameIdent(next());
    const type = next();
    const dataType = type?.kind === 'word' ? TYPES[type.text.toUpperCase()] : undefined;
    if (column === undefined || dataType === undefined) return undefined;
    const options: Node[] = [];
    let t = next();
    while (t?.kind === 'word') {
      const word = t.text.toUpperCase();
      if (word === 'NOT' && keyword('NULL')) options.push({ name: undefined, option: 'NotNull' });
      else if (word === 'NULL') options.push({ name: undefined, option: 'Null' });
      else return undefined;
      t = next();
    }
    columns.push({ name: column, data_type: dataType(), options });
    if (t?.kind === ')') break;
    if (t?.kind !== ',') return undefined;
  }

  if (!keyword('WITH') || !punct('(')) return undefined;
  const entries: Node[] = [];
  for (;;) {
    const k = next();
    let key: Node;
    if (k?.kind === 'string') {
      // The full parser gives quoted keys no span (line 0).
      key = { value: k.text, quote_style: "'", span: span(0, 0, 0, 0) };
    } else if (k?.kind === 'word' && PLAIN_OPTION_KEYS.has(k.text.toLowerCase())) {
      key = { value: k.text, quote_style: undefined, span: span(k.line, k.column, k.line, k.end) };
    } else {
      return undefined;
    }
    if (!punct('=')) return undefined;
    const v = next();
    let value: Node;
    if (v?.kind === 'string') {
      value = { value: { SingleQuotedString: v.text }, span: span(v.line, v.column, v.endLine, v.end) };
    } else if (v?.kind === 'number') {
      value = { value: { Number: [v.text, false] }, span: span(v.line, v.column, v.line, v.end) };
    } else {
      return undefined;
    }
    entries.push({ KeyValue: { key, value: { Value: value } } });
    const t = next();
    if (t?.kind === ')') break;
    if (t?.kind !== ',') return undefined;
  }
  if (tokens[at]?.kind === ';') at++;
  if (at !== tokens.length) return undefined;

  return {
    name: [{ Identifier: name }],
    columns,
    constraints: [],
    query: undefined,
    table_options: { With: entries },
  };
}
