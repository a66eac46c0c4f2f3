/**
 * Expressions that meet — operands of a comparison, CASE branches, COALESCE arguments, IN lists —
 * take their common type (types.ts); a TEXT literal among TIMESTAMPs is read as a TIMESTAMP
 * (`ts > '2024-01-01'`), at compile time.
 */
import { ConversionError, toTimestamp } from '../schema/cast.js';
import { commonType, type ExprType } from '../schema/expr-type.js';
import { type Compiled, constant, typeError } from './compiled.js';

/** A TEXT literal meeting a TIMESTAMP becomes a TIMESTAMP literal (`ts > '2024-01-01'`). */
function asTimestampLiteral(c: Compiled): Compiled {
  try {
    return constant('TIMESTAMP', toTimestamp(c.constant!.value), c.position);
  } catch (e) {
    if (e instanceof ConversionError) throw typeError(e.message, c.position);
    throw e;
  }
}

/**
 * Expressions that meet (operands, CASE branches, COALESCE arguments, IN lists): their common
 * type, with TEXT literals read as TIMESTAMP when a TIMESTAMP is among them.
 */
export function unifyAll(items: readonly Compiled[], what: string): { items: Compiled[]; type: ExprType } {
  const hasTimestamp = items.some((c) => c.type === 'TIMESTAMP');
  const out = items.map((c) =>
    hasTimestamp && c.type === 'TEXT' && c.constant !== undefined && c.constant.value !== null
      ? asTimestampLiteral(c)
      : c,
  );
  let type: ExprType = 'NULL';
  for (const c of out) {
    const t = commonType(type, c.type);
    if (t === undefined) throw typeError(`${what}: ${type} and ${c.type} do not match`, c.position);
    type = t;
  }
  return { items: out, type };
}

/** {@link unifyAll} of two expressions. */
export function unify(a: Compiled, b: Compiled, what: string): { a: Compiled; b: Compiled; type: ExprType } {
  const u = unifyAll([a, b], what);
  return { a: u.items[0], b: u.items[1], type: u.type };
}
