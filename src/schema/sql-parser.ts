/**
 * The SQL parser, loaded on first use: datafusion-sqlparser-rs through its WebAssembly build
 * (`@guanmingchiu/sqlparser-ts`), the parser Arroyo itself uses, so mixed quoted/unquoted option
 * keys, `--` and `/* *\/` comments and keyword-named columns behave as they do there. Every
 * reader of SQL (sink and lookup DDL, scripts, queries) parses through here and walks the tree
 * with sql-tree.ts.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lookupType, SQL_TYPES } from './column-types.js';
import { type SqlPosition, SqlSyntaxError } from './errors.js';
import type { Reporter } from './reporter.js';
import { type Ident, ident, isNode } from './sql-tree.js';
import type { SqlType } from './sql-type.js';

/** What the parser's wasm-bindgen glue module exports (one module instance per parser instance). */
interface ParserGlue {
  initSync(options: { module: WasmModule }): unknown;
  parse_sql_with_options(dialect: string, sql: string, options: { recursionLimit: number }): unknown;
  parse_sql_with_comments(dialect: string, sql: string): { comments: CommentSpan[] };
}

/** Where one comment is: 1-based lines and columns, end exclusive. */
export interface CommentSpan {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** Longest SQL text (UTF-16 code units) handed to the parser: a statement or a whole script. */
export const MAX_SQL_LENGTH = 1_000_000;

/**
 * How deep expressions may nest. The WebAssembly build's stack overflows (a trap that corrupts
 * its memory) a little below the parser's own default of 50, so the limit sits under it.
 */
export const SQL_RECURSION_LIMIT = 40;

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  RuntimeError: abstract new (...args: never[]) => Error;
}
type WasmModule = object;
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const requireHere = createRequire(import.meta.url);
let compiled: Promise<WasmModule> | undefined;
let instances = 0;

/**
 * A new, independent parser instance. The glue module keeps its WebAssembly instance in module
 * state, so a fresh instance needs a fresh module: it is imported under its own query string.
 */
async function freshParser(): Promise<ParserGlue> {
  const wasmDir = join(dirname(requireHere.resolve('@guanmingchiu/sqlparser-ts')), '..', 'wasm');
  compiled ??= readFile(join(wasmDir, 'sqlparser_rs_wasm_bg.wasm')).then((bytes) => Wasm.compile(bytes));
  const url = pathToFileURL(join(wasmDir, 'sqlparser_rs_wasm.js'));
  url.search = `?instance=${++instances}`;
  const glue = (await import(url.href)) as ParserGlue;
  glue.initSync({ module: await compiled });
  return glue;
}

let current: ParserGlue | undefined;
let loading: Promise<void> | undefined;
/** A ready instance to switch to at once when the current one traps. */
let spare: ParserGlue | undefined;
let spareLoading: Promise<void> | undefined;

function fillSpare(): void {
  if (spare !== undefined || spareLoading !== undefined) return;
  spareLoading = freshParser()
    .then((p) => {
      spare = p;
    })
    .catch(() => {
      // The next loadSqlParser() after a trap loads one instead.
    })
    .finally(() => {
      spareLoading = undefined;
    });
}

/**
 * Loads and compiles the SQL parser (once, and again after a trap left no spare). Await it
 * before any synchronous parse below. The module is loaded here, not when this file is
 * imported, so that programs using only the client, or a sink built from JSON or TypeScript,
 * never load it.
 */
export function loadSqlParser(): Promise<void> {
  if (current !== undefined) return Promise.resolve();
  loading ??= freshParser().then(
    (p) => {
      current = p;
      loading = undefined;
      fillSpare();
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** The loaded parser; a caller that did not await {@link loadSqlParser} is a bug, said plainly. */
function loaded(): ParserGlue {
  if (current === undefined) {
    throw new Error(
      instances === 0
        ? 'the SQL parser is not loaded: await loadSqlParser() first'
        : 'the SQL parser is being reloaded after a statement too complex for it: await loadSqlParser() first',
    );
  }
  return current;
}

/**
 * Runs one parser call. A WebAssembly trap (stack overflow on an expression nested or chained
 * too deeply) leaves that instance's memory corrupt: it is dropped for the spare, and the input
 * is refused as too complex instead of failing every later parse in the process.
 */
function call<T>(sql: string, run: (p: ParserGlue) => T): T {
  if (sql.length > MAX_SQL_LENGTH) {
    throw new SqlSyntaxError(
      `the SQL text is ${sql.length} characters long; at most ${MAX_SQL_LENGTH} are accepted`,
      1,
      1,
    );
  }
  const p = loaded();
  try {
    return run(p);
  } catch (e) {
    if (!(e instanceof Wasm.RuntimeError)) throw toSyntaxError(sql, e);
    if (current === p) {
      current = spare;
      spare = undefined;
      fillSpare();
    }
    throw new SqlSyntaxError(
      'the statement is too complex for the SQL parser (an expression nested or chained too deeply); split it into smaller expressions',
      1,
      1,
    );
  }
}

/** Parses SQL text into statement trees; a syntax error becomes a {@link SqlSyntaxError} with line and column. */
export function parseStatements(sql: string): unknown[] {
  return call(sql, (p) =>
    p.parse_sql_with_options('generic', sql, { recursionLimit: SQL_RECURSION_LIMIT }),
  ) as unknown[];
}

/** The spans of the comments in SQL text, for splitting scripts. */
export function commentSpans(sql: string): CommentSpan[] {
  return call(sql, (p) => p.parse_sql_with_comments('generic', sql).comments);
}

/**
 * The parser reports `sql parser error: Expected: X, found: Y at Line: L, Column: C` (tokenizer
 * errors lack the prefix; an early end of input lacks the position). The found token is dropped
 * unless it is punctuation or the end of input: it may be part of a password.
 */
function toSyntaxError(sql: string, e: unknown): SqlSyntaxError {
  // The parser throws plain objects `{ message, line?, column? }`, not Error instances.
  const message = (e as { message?: unknown } | null)?.message;
  const raw = typeof message === 'string' ? message : String(e);
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
