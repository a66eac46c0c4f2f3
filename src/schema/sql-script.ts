/**
 * Working with scripts of several SQL statements through the parser's trees: where each statement
 * is in the text, and where each `WITH (key = value)` option is. The parser
 * (@guanmingchiu/sqlparser-ts, see sink/config/sql-ddl.ts) gives spans (1-based line and column,
 * end exclusive) for identifiers and literals, not for whole statements, so statement bounds are
 * found from the spans they contain.
 */

import { commentSpans } from './sql-parser.js';
import type { SqlPosition } from './errors.js';
import { literalText } from './sql-tree.js';

type Node = Record<string, unknown>;

/** True for a plain object node of the tree. */
export function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Half-open `[start, end)` positions of text, as the parser's spans are. */
export interface SqlSpan {
  start: SqlPosition;
  end: SqlPosition;
}

/** The span of a tree node's `span` field, if it has a real one (the parser uses line 0 for none). */
export function spanOf(node: unknown): SqlSpan | undefined {
  if (!isNode(node) || !isNode(node.span)) return undefined;
  const { start, end } = node.span;
  if (!isNode(start) || !isNode(end)) return undefined;
  if (typeof start.line !== 'number' || typeof start.column !== 'number' || start.line < 1) return undefined;
  if (typeof end.line !== 'number' || typeof end.column !== 'number') return undefined;
  return { start: { line: start.line, column: start.column }, end: { line: end.line, column: end.column } };
}

function before(a: SqlPosition, b: SqlPosition): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

/** The first start and last end of every span inside a tree, or undefined when it has none. */
export function extent(tree: unknown): SqlSpan | undefined {
  let out: SqlSpan | undefined;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (!isNode(v)) return;
    const span = spanOf(v);
    if (span !== undefined) {
      if (out === undefined) out = { start: span.start, end: span.end };
      else {
        if (before(span.start, out.start)) out.start = span.start;
        if (before(out.end, span.end)) out.end = span.end;
      }
    }
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') visit(child);
  };
  visit(tree);
  return out;
}

/**
 * Offsets (UTF-16 code units) of the start of every line, for turning the parser's positions
 * into string indices. Columns count code points, as the parser (Rust `char`s) does.
 */
export class SqlText {
  readonly #lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  /** The string index of a 1-based line and column (clamped to the text). */
  offset(p: SqlPosition): number {
    const lineStart = this.#lineStarts[Math.min(p.line, this.#lineStarts.length) - 1] ?? this.text.length;
    let i = lineStart;
    for (let col = 1; col < p.column && i < this.text.length; col++) {
      i += (this.text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    }
    return i;
  }
}

/**
 * The text range `[start, end)` of each statement. Between the last span of one statement and
 * the first of the next there are only keywords, punctuation and comments, so the `;` outside a
 * comment in that gap is where one statement ends; the first starts at 0 and the last ends at
 * the end of the text.
 */
export function statementRanges(sql: string, statements: readonly unknown[]): Array<[number, number]> {
  const text = new SqlText(sql);
  const comments: Array<[number, number]> = commentSpans(sql).map((c) => [
    text.offset({ line: c.startLine, column: c.startColumn }),
    text.offset({ line: c.endLine, column: c.endColumn }),
  ]);
  const inComment = (i: number) => comments.some(([s, e]) => i >= s && i < e);
  const extents = statements.map((s) => extent(s));
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let k = 0; k < statements.length; k++) {
    let end = sql.length;
    if (k + 1 < statements.length) {
      const from = extents[k] === undefined ? start : text.offset(extents[k]!.end);
      const next = extents[k + 1];
      const to = next === undefined ? sql.length : text.offset(next.start);
      for (let i = from; i < to; i++) {
        if (sql.charCodeAt(i) === 59 /* ; */ && !inComment(i)) {
          end = i + 1;
          break;
        }
      }
    }
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * The script with everything outside `[start, end)` blanked (newlines kept): parsing it gives
 * the one statement, and its errors carry the line and column of the whole script.
 */
export function isolate(sql: string, [start, end]: [number, number]): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return blank(sql.slice(0, start)) + sql.slice(start, end) + blank(sql.slice(end));
}

/** One `key = value` entry of a `WITH (...)` clause. */
export interface SqlOption {
  /** Unquoted keys lower-cased (SQL identifiers); quoted keys as written. */
  key: string;
  /** The literal's text, or undefined when the value is not a literal. */
  value: string | undefined;
  /** Span of the value (for redaction and error positions). */
  valueSpan: SqlSpan | undefined;
}

/** The `WITH (...)` options of a `CREATE TABLE` tree node, in order. */
export function withOptions(createTable: Node): SqlOption[] {
  const options = createTable.table_options;
  if (!isNode(options) || !Array.isArray(options.With)) return [];
  const out: SqlOption[] = [];
  for (const o of options.With) {
    const kv = isNode(o) && isNode(o.KeyValue) ? o.KeyValue : undefined;
    if (kv === undefined) continue;
    const keyNode = isNode(kv.key) && isNode(kv.key.Identifier) ? kv.key.Identifier : kv.key;
    if (!isNode(keyNode) || typeof keyNode.value !== 'string') continue;
    const key = typeof keyNode.quote_style === 'string' ? keyNode.value : keyNode.value.toLowerCase();
    out.push({ key, value: literalText(kv.value), valueSpan: valueSpan(kv.value) });
  }
  return out;
}

function valueSpan(expr: unknown): SqlSpan | undefined {
  if (!isNode(expr)) return undefined;
  if (isNode(expr.Value)) return spanOf(expr.Value);
  if (isNode(expr.UnaryOp)) return extent(expr.UnaryOp);
  return extent(expr);
}
