/**
 * The SQL parser, loaded once: datafusion-sqlparser-rs through its WebAssembly build
 * (`@guanmingchiu/sqlparser-ts`), the parser Arroyo itself uses, so mixed quoted/unquoted option
 * keys, `--` and `/* *\/` comments and keyword-named columns behave as they do there. Every
 * reader of SQL (sink and lookup DDL, scripts, queries) parses through here and walks the tree
 * with sql-tree.ts.
 */

import { lookupType, SQL_TYPES } from './column-types.js';
import { type SqlPosition, SqlSyntaxError } from './errors.js';
import type { Reporter } from './reporter.js';
import { type Ident, ident, isNode } from './sql-tree.js';
import type { SqlType } from './sql-type.js';

type ParserModule = typeof import('@guanmingchiu/sqlparser-ts');

let loading: Promise<void> | undefined;
let parser: ParserModule | undefined;

/**
 * Loads and compiles the SQL parser (once). Await it before any synchronous parse below. The
 * module is imported here, not at the top of the file, so that programs using only the client
 * or a sink built from JSON or TypeScript never load it.
 */
export function loadSqlParser(): Promise<void> {
  loading ??= import('@guanmingchiu/sqlparser-ts').then(async (m) => {
    await m.init();
    parser = m;
  });
  return loading;
}

/** The loaded parser; a caller that forgot {@link loadSqlParser} is a bug, said plainly. */
function loaded(): ParserModule {
  if (parser === undefined) throw new Error('the SQL parser is not loaded: await loadSqlParser() first');
  return parser;
}

/** Parses SQL text into statement trees; a syntax error becomes a {@link SqlSyntaxError} with line and column. */
export function parseStatements(sql: string): unknown[] {
  const p = loaded();
  try {
    return p.parse(sql, 'generic') as unknown[];
  } catch (e) {
    throw toSyntaxError(sql, e);
  }
}

/** The spans of the comments in SQL text (1-based lines and columns), for splitting scripts. */
export function commentSpans(
  sql: string,
): Array<{ startLine: number; startColumn: number; endLine: number; endColumn: number }> {
  return loaded().parseWithComments(sql, 'generic').comments;
}

/**
 * The parser reports `sql parser error: Expected: X, found: Y at Line: L, Column: C` (tokenizer
 * errors lack the prefix; an early end of input lacks the position). The found token is dropped
 * unless it is punctuation or the end of input: it may be part of a password.
 */
function toSyntaxError(sql: string, e: unknown): SqlSyntaxError {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /^(?:sql parser error: )?([\s\S]*?)(?: at Line: (\d+), Column: (\d+))?$/.exec(raw)!;
  const reason = m[1].replace(/found: ([\s\S]*)$/, (_, token: string) =>
    token === 'EOF'
      ? 'found: end of input'
      : /^[(),;=.]$/.test(token)
        ? `found: '${token}'`
        : 'found: unexpected input',
  );
  const end = endPosition(sql);
  return new SqlSyntaxError(
    reason,
    m[2] === undefined ? end.line : Number(m[2]),
    m[3] === undefined ? end.column : Number(m[3]),
  );
}

function endPosition(sql: string): SqlPosition {
  const lines = sql.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * A column definition's name and supported type (or the error naming the column), and its column
 * options for the caller to read (sinks and lookup tables accept different ones).
 */
export function columnHead(
  r: Pick<Reporter, 'failOption'>,
  def: unknown,
): { name: Ident; type: SqlType; options: unknown[] } {
  const d = isNode(def) ? def : {};
  const name = ident(d.name);
  if (name === undefined) r.failOption('columns', 'declares a column without a name');
  const spelled = typeName(d.data_type);
  const type = spelled === undefined ? undefined : lookupType(spelled);
  if (type === undefined) {
    r.failOption(
      'columns',
      `declares column '${name.value}' with unsupported type ${spelled ?? '(unknown)'} (supported: ${SQL_TYPES.join(', ')})`,
      name.position,
    );
  }
  return { name, type, options: Array.isArray(d.options) ? d.options : [] };
}

/** Multi-word spellings of tree variants; every other variant is its name in upper case. */
const VARIANT_SPELLING: Readonly<Record<string, string>> = {
  DoublePrecision: 'DOUBLE PRECISION',
  CharacterVarying: 'CHARACTER VARYING',
  CharVarying: 'CHAR VARYING',
};

/** The type of a parser `data_type` node as it would be spelled in SQL, for {@link lookupType} and messages. */
export function typeName(dataType: unknown): string | undefined {
  if (typeof dataType === 'string') return VARIANT_SPELLING[dataType] ?? dataType.toUpperCase();
  if (!isNode(dataType)) return undefined;
  const [variant] = Object.keys(dataType);
  if (variant === undefined) return undefined;
  if (variant === 'Timestamp') {
    const tz = Array.isArray(dataType.Timestamp) ? dataType.Timestamp[1] : 'None';
    if (tz === 'None') return 'TIMESTAMP';
    if (tz === 'WithoutTimeZone') return 'TIMESTAMP WITHOUT TIME ZONE';
    return tz === 'Tz' ? 'TIMESTAMPTZ' : 'TIMESTAMP WITH TIME ZONE';
  }
  if (variant === 'Custom' && Array.isArray(dataType.Custom) && Array.isArray(dataType.Custom[0])) {
    return dataType.Custom[0].map((p: unknown) => ident(p)?.value ?? '?').join('.');
  }
  return VARIANT_SPELLING[variant] ?? variant.toUpperCase();
}
