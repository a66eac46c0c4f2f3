import type { SqlPosition } from '../schema/errors.js';
import { type ExprType, isOrdered } from '../schema/expr-type.js';
import { comparatorOf } from '../schema/values.js';
import { compileExpr, type Scope } from './compile-expr.js';
import { type Compiled, typeError, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import type { SortKey } from './order-by.js';
import type { Item } from './select-list.js';
import { identMatches, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';

/** One ORDER BY item as written. */
export interface OrderItem {
  expr: unknown;
  descending: boolean;
  nullsFirst: boolean;
  position: SqlPosition | undefined;
}

/** The ORDER BY items of a query (empty without ORDER BY). */
export function orderByItems(orderBy: unknown, P: Positions): OrderItem[] {
  if (orderBy == null) return [];
  const kind = isNode(orderBy) ? orderBy.kind : undefined;
  const exprs = isNode(kind) && Array.isArray(kind.Expressions) ? (kind.Expressions as Node[]) : undefined;
  if (exprs === undefined) throw unsupported('ORDER BY ALL', P.of(orderBy));
  if (isNode(orderBy) && orderBy.interpolate != null)
    throw unsupported('ORDER BY ... INTERPOLATE', P.of(orderBy));
  return exprs.map((e) => {
    if (e.with_fill != null) throw unsupported('WITH FILL', P.of(e));
    const options = isNode(e.options) ? e.options : {};
    const descending = options.asc === false;
    const nullsFirst = typeof options.nulls_first === 'boolean' ? options.nulls_first : descending;
    return { expr: e.expr, descending, nullsFirst, position: P.of(e.expr) };
  });
}

/** The output column an ORDER BY item names (`name` or `ordinal`), or undefined. */
export function outputRef(
  o: OrderItem,
  items: readonly Item[],
  names: readonly string[],
): number | undefined {
  const expr = o.expr as Node;
  if (variantOf(expr) === 'Value') {
    const v = (expr.Value as Node).value;
    if (isNode(v) && Array.isArray(v.Number)) {
      const n = Number(v.Number[0]);
      if (!Number.isInteger(n) || n < 1 || n > names.length) {
        throw new SqlQueryError(
          'shape',
          `ORDER BY ${v.Number[0]}: there are ${names.length} select items`,
          o.position,
        );
      }
      return n - 1;
    }
  }
  if (variantOf(expr) !== 'Identifier') return undefined;
  const id = identOf(expr.Identifier)!;
  const j = names.findIndex((n) => identMatches(id, n));
  if (j >= 0) return j;
  const k = items.findIndex((i) => i.alias !== undefined && identMatches(id, i.alias.value));
  return k >= 0 ? k : undefined;
}

/** A sort key over values of `type` (which must have an order). */
export function sortKey(o: OrderItem, type: ExprType, value: SortKey['value']): SortKey {
  if (!isOrdered(type)) throw typeError(`cannot ORDER BY a ${type} value`, o.position);
  return { value, compare: comparatorOf(type), descending: o.descending, nullsFirst: o.nullsFirst };
}

/** The sort key of an item of a query without GROUP BY: an output column, or an expression over the source row. */
export function plainSortKey(
  o: OrderItem,
  items: readonly Item[],
  names: readonly string[],
  values: readonly Compiled[],
  scope: Scope,
): SortKey {
  const j = outputRef(o, items, names);
  if (j !== undefined) {
    const name = names[j];
    return sortKey(o, values[j].type, (_src, out) => (out as Record<string, unknown>)[name]);
  }
  const c = compileExpr(o.expr, { ...scope, clause: 'ORDER BY' });
  const f = c.fn;
  return sortKey(o, c.type, (src) => f(src));
}
