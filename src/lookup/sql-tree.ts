/**
 * Reading the parser's `CREATE TABLE` trees for lookup tables. The parser's TypeScript
 * declarations describe an older tree shape, so the tree is read as `unknown`, checking each shape
 * used, as sink/config/sql-ddl.ts does.
 */

import type { SqlPosition } from '../sink/config/errors.js';
import { literalText } from '../sink/config/sql-ddl.js';
import type { Reporter } from '../sink/config/validate.js';

/** One `key = value` entry of `WITH (...)`. */
export interface Entry {
  key: string;
  value: string | undefined;
  /** Of the key; the parser leaves quoted keys without a span, so the value's stands in. */
  keyPosition: SqlPosition | undefined;
  valuePosition: SqlPosition | undefined;
}

/** A tree node (plain object). */
export type Node = Record<string, unknown>;

export function isObject(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An identifier and where it is. */
export interface Ident {
  value: string;
  position: SqlPosition | undefined;
}

export function ident(v: unknown): Ident | undefined {
  const node = isObject(v) && isObject(v.Identifier) ? v.Identifier : v;
  if (!isObject(node) || typeof node.value !== 'string') return undefined;
  return { value: node.value, position: spanStart(node.span) };
}

function spanStart(span: unknown): SqlPosition | undefined {
  if (!isObject(span) || !isObject(span.start)) return undefined;
  const { line, column } = span.start;
  return typeof line === 'number' && typeof column === 'number' && line > 0 ? { line, column } : undefined;
}

function exprStart(expr: unknown): SqlPosition | undefined {
  if (!isObject(expr)) return undefined;
  if (isObject(expr.UnaryOp)) return exprStart(expr.UnaryOp.expr);
  const inner = isObject(expr.Value) ? expr.Value : isObject(expr.Identifier) ? expr.Identifier : undefined;
  return inner === undefined ? undefined : spanStart(inner.span);
}

/**
 * `WITH (...)` entries: unquoted keys lower-cased (SQL identifiers), quoted keys as written.
 * Without a reporter, entries that are not `key = literal` are skipped (for a quick look).
 */
export function optionEntries(tableOptions: unknown, r?: Reporter): Entry[] {
  if (!isObject(tableOptions) || !Array.isArray(tableOptions.With)) {
    if (r !== undefined && tableOptions !== 'None' && tableOptions != null) {
      r.failOption('WITH', "only WITH (option = 'value', ...) table options are supported");
    }
    return [];
  }
  const out: Entry[] = [];
  for (const o of tableOptions.With) {
    const kv = isObject(o) && isObject(o.KeyValue) ? o.KeyValue : undefined;
    const key = kv === undefined ? undefined : ident(kv.key);
    if (kv === undefined || key === undefined) {
      if (r !== undefined) r.failOption('WITH', "entries must be written option = 'value'");
      continue;
    }
    const quoted =
      isObject(kv.key) &&
      typeof (isObject(kv.key.Identifier) ? kv.key.Identifier : kv.key).quote_style === 'string';
    const name = quoted ? key.value : key.value.toLowerCase();
    const value = literalText(kv.value);
    const valuePosition = exprStart(kv.value);
    const keyPosition = key.position ?? valuePosition;
    if (value === undefined && r !== undefined) {
      r.failOption(
        name,
        `must be a quoted string literal, e.g. ${name} = '...'`,
        valuePosition ?? keyPosition,
      );
    }
    out.push({ key: name, value, keyPosition, valuePosition });
  }
  return out;
}
