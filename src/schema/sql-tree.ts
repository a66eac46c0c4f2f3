/**
 * Reading the parser's `CREATE TABLE` trees (@guanmingchiu/sqlparser-ts, sqlparser-rs as WASM).
 * The package's TypeScript declarations describe an older tree shape (camelCase fields), so the
 * tree is read as `unknown`, checking each shape relied on. Shared by the sink's DDL
 * (sql-ddl.ts) and lookup tables (lookup/).
 */
import type { SqlPosition } from './errors.js';

/** A tree node (plain object). */
export type Node = Record<string, unknown>;

export function isObject(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An identifier, whether it was quoted, and where it is. */
export interface Ident {
  value: string;
  quoted: boolean;
  position: SqlPosition | undefined;
}

/** The identifier of an `Identifier` node (or its bare `{ value, quote_style }` form). */
export function ident(v: unknown): Ident | undefined {
  const node = isObject(v) && isObject(v.Identifier) ? v.Identifier : v;
  if (!isObject(node) || typeof node.value !== 'string') return undefined;
  return { value: node.value, quoted: typeof node.quote_style === 'string', position: spanStart(node.span) };
}

export function spanStart(span: unknown): SqlPosition | undefined {
  if (!isObject(span) || !isObject(span.start)) return undefined;
  const { line, column } = span.start;
  return typeof line === 'number' && typeof column === 'number' && line > 0 ? { line, column } : undefined;
}

/** Where a literal (or identifier) expression starts. */
export function exprStart(expr: unknown): SqlPosition | undefined {
  if (!isObject(expr)) return undefined;
  if (isObject(expr.UnaryOp)) return exprStart(expr.UnaryOp.expr);
  const inner = isObject(expr.Value) ? expr.Value : isObject(expr.Identifier) ? expr.Identifier : undefined;
  return inner === undefined ? undefined : spanStart(inner.span);
}

/** One `key = value` entry of `WITH (...)`. */
export interface SqlOptionEntry {
  key: string;
  value: string | undefined;
  /** Of the key; the parser leaves quoted keys without a span, so the value's stands in. */
  keyPosition: SqlPosition | undefined;
  /** Of the value, which is what value errors are about. */
  valuePosition: SqlPosition | undefined;
}

/** Reports a bad entry: throws the caller's configuration error naming the option. */
export type OptionFailure = (option: string, problem: string, position?: SqlPosition) => never;

/**
 * `WITH (...)` entries: unquoted keys lower-cased (SQL identifiers), quoted keys as written.
 * Without `fail`, entries that are not `key = 'literal'` are skipped (for a quick look).
 */
export function optionEntries(tableOptions: unknown, fail?: OptionFailure): SqlOptionEntry[] {
  if (tableOptions === 'None' || tableOptions == null) return [];
  if (!isObject(tableOptions) || !Array.isArray(tableOptions.With)) {
    fail?.('WITH', "only WITH (option = 'value', ...) table options are supported");
    return [];
  }
  const out: SqlOptionEntry[] = [];
  for (const o of tableOptions.With) {
    const kv = isObject(o) && isObject(o.KeyValue) ? o.KeyValue : undefined;
    const key = kv === undefined ? undefined : ident(kv.key);
    if (kv === undefined || key === undefined) {
      fail?.('WITH', "WITH entries must be written option = 'value'");
      continue;
    }
    const name = key.quoted ? key.value : key.value.toLowerCase();
    const value = literalText(kv.value);
    const valuePosition = exprStart(kv.value);
    const keyPosition = key.position ?? valuePosition;
    if (value === undefined) {
      if (fail === undefined) continue;
      fail(name, `must be a quoted string literal, e.g. ${name} = '...'`, valuePosition ?? keyPosition);
    }
    out.push({ key: name, value, keyPosition, valuePosition });
  }
  return out;
}

/** The text of a literal expression (`'x'`, `86400`, `-1`, `true`), or undefined for anything else. */
export function literalText(expr: unknown): string | undefined {
  if (!isObject(expr)) return undefined;
  if (isObject(expr.UnaryOp) && expr.UnaryOp.op === 'Minus') {
    const inner = literalText(expr.UnaryOp.expr);
    return inner === undefined ? undefined : `-${inner}`;
  }
  const outer = isObject(expr.Value) ? expr.Value : undefined;
  const v = outer !== undefined && isObject(outer.value) ? outer.value : outer;
  if (!isObject(v)) return undefined;
  for (const kind of ['SingleQuotedString', 'EscapedStringLiteral', 'NationalStringLiteral']) {
    if (typeof v[kind] === 'string') return v[kind] as string;
  }
  if (isObject(v.DollarQuotedString) && typeof v.DollarQuotedString.value === 'string') {
    return v.DollarQuotedString.value;
  }
  if (Array.isArray(v.Number) && typeof v.Number[0] === 'string') return v.Number[0];
  if (typeof v.Boolean === 'boolean') return String(v.Boolean);
  return undefined;
}
