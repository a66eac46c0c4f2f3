/**
 * The one reader of the SQL parser's trees (@guanmingchiu/sqlparser-ts, datafusion-sqlparser-rs
 * as WebAssembly), shared by sink and lookup DDL, scripts and the query compiler. The package's
 * TypeScript declarations describe an older tree shape (camelCase fields), so the tree is read as
 * `unknown`, checking each shape relied on. Spans are 1-based lines and columns, end exclusive;
 * the parser uses line 0 for "no span".
 */
import type { SqlPosition } from './errors.js';
import { intervalMillis } from './sql-interval.js';

/** A tree node (plain object). */
export type Node = Record<string, unknown>;

/** True for a plain object node of the tree. */
export function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An identifier as written, where it is, and its node (for positions of what it names). */
export interface Ident {
  value: string;
  /** Unquoted identifiers compare case-insensitively, quoted ones exactly. */
  quoted: boolean;
  position: SqlPosition | undefined;
  node: unknown;
}

/** The identifier of an `Identifier` node (or its bare `{ value, quote_style }` form). */
export function ident(v: unknown): Ident | undefined {
  const node = isNode(v) && isNode(v.Identifier) ? v.Identifier : v;
  if (!isNode(node) || typeof node.value !== 'string') return undefined;
  return {
    value: node.value,
    quoted: typeof node.quote_style === 'string',
    position: spanStart(node.span),
    node,
  };
}

/** Whether an identifier names `name` (case-insensitively unless quoted). */
export function identMatches(id: Ident, name: string): boolean {
  return id.quoted ? id.value === name : id.value.toLowerCase() === name.toLowerCase();
}

/** Half-open `[start, end)` positions of text, as the parser's spans are. */
export interface SqlSpan {
  start: SqlPosition;
  end: SqlPosition;
}

/** The start of a `span` value, if it is a real one. */
export function spanStart(span: unknown): SqlPosition | undefined {
  if (!isNode(span) || !isNode(span.start)) return undefined;
  const { line, column } = span.start;
  return typeof line === 'number' && typeof column === 'number' && line > 0 ? { line, column } : undefined;
}

/** The span of a tree node's `span` field, if it has a real one. */
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

/**
 * The first start and last end of every span inside a tree, or undefined when it has none
 * (the parser gives spans to identifiers and literals, not to whole statements).
 */
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

/** Where a literal (or identifier) expression starts. */
export function exprStart(expr: unknown): SqlPosition | undefined {
  if (!isNode(expr)) return undefined;
  if (isNode(expr.UnaryOp)) return exprStart(expr.UnaryOp.expr);
  const inner = isNode(expr.Value) ? expr.Value : isNode(expr.Identifier) ? expr.Identifier : undefined;
  return inner === undefined ? undefined : spanStart(inner.span);
}

function valueSpan(expr: unknown): SqlSpan | undefined {
  if (!isNode(expr)) return undefined;
  if (isNode(expr.Value)) return spanOf(expr.Value);
  if (isNode(expr.UnaryOp)) return extent(expr.UnaryOp);
  return extent(expr);
}

/** One `key = value` entry of `WITH (...)`. */
export interface SqlOption {
  /** Unquoted keys lower-cased (SQL identifiers); quoted keys as written. */
  key: string;
  /** The literal's text, or undefined when the value is not a literal. */
  value: string | undefined;
  /** Of the key; the parser leaves quoted keys without a span, so the value's stands in. */
  keyPosition: SqlPosition | undefined;
  /** Of the value, which is what value errors are about. */
  valuePosition: SqlPosition | undefined;
  /** Of the whole value (for redaction). */
  valueSpan: SqlSpan | undefined;
  /**
   * Set when the value was an interval literal (`interval '5' second`): its milliseconds, which
   * {@link value} then holds as text. Only options taking a duration accept one; each door checks.
   */
  intervalMs?: number;
}

/** Reports a bad entry: throws the caller's configuration error naming the option. */
export type OptionFailure = (option: string, problem: string, position?: SqlPosition) => never;

/**
 * The `WITH (...)` entries of a `CREATE TABLE` node's `table_options`, in order. With `fail`
 * (a table being configured), anything but `key = 'literal'` entries is an error; without it (a
 * quick look, redaction) malformed entries are skipped and a non-literal value reads undefined.
 */
export function withOptions(tableOptions: unknown, fail?: OptionFailure): SqlOption[] {
  if (tableOptions === 'None' || tableOptions == null) return [];
  if (!isNode(tableOptions) || !Array.isArray(tableOptions.With)) {
    fail?.('WITH', "only WITH (option = 'value', ...) table options are supported");
    return [];
  }
  const out: SqlOption[] = [];
  for (const o of tableOptions.With) {
    const kv = isNode(o) && isNode(o.KeyValue) ? o.KeyValue : undefined;
    const key = kv === undefined ? undefined : ident(kv.key);
    if (kv === undefined || key === undefined) {
      fail?.('WITH', "WITH entries must be written option = 'value'");
      continue;
    }
    const name = key.quoted ? key.value : key.value.toLowerCase();
    const interval = intervalMillis(kv.value);
    const value = typeof interval === 'number' ? String(interval) : literalText(kv.value);
    const valuePosition =
      exprStart(kv.value) ??
      exprStart(isNode(kv.value) && isNode(kv.value.Interval) ? kv.value.Interval.value : undefined);
    const keyPosition = key.position ?? valuePosition;
    if (typeof interval === 'string') fail?.(name, interval, valuePosition ?? keyPosition);
    if (value === undefined && fail !== undefined) {
      fail(name, `must be a quoted string literal, e.g. ${name} = '...'`, valuePosition ?? keyPosition);
    }
    const option: SqlOption = {
      key: name,
      value,
      keyPosition,
      valuePosition,
      valueSpan: valueSpan(kv.value),
    };
    if (typeof interval === 'number') option.intervalMs = interval;
    out.push(option);
  }
  return out;
}

/** The text of a literal expression (`'x'`, `86400`, `-1`, `true`), or undefined for anything else. */
export function literalText(expr: unknown): string | undefined {
  if (!isNode(expr)) return undefined;
  if (isNode(expr.UnaryOp) && expr.UnaryOp.op === 'Minus') {
    const inner = literalText(expr.UnaryOp.expr);
    return inner === undefined ? undefined : `-${inner}`;
  }
  const outer = isNode(expr.Value) ? expr.Value : undefined;
  const v = outer !== undefined && isNode(outer.value) ? outer.value : outer;
  if (!isNode(v)) return undefined;
  for (const kind of ['SingleQuotedString', 'EscapedStringLiteral', 'NationalStringLiteral']) {
    if (typeof v[kind] === 'string') return v[kind] as string;
  }
  if (isNode(v.DollarQuotedString) && typeof v.DollarQuotedString.value === 'string') {
    return v.DollarQuotedString.value;
  }
  if (Array.isArray(v.Number) && typeof v.Number[0] === 'string') return v.Number[0];
  if (typeof v.Boolean === 'boolean') return String(v.Boolean);
  return undefined;
}
