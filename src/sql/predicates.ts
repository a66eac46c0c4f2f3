/**
 * `IN (...)` and `LIKE` / `ILIKE`, with SQL NULL semantics: `x IN (list)` is TRUE when x equals
 * an item, else NULL when x or any item is NULL, else FALSE (NOT IN negates that, NULL staying
 * NULL); LIKE with a NULL operand is NULL. Constant lists become a Set and constant patterns a
 * RegExp, once, at compile time.
 */
import type { SqlPosition } from '../schema/errors.js';
import { equalityOf, mapKeyOf } from '../schema/values.js';
import { type Compiled, evalError, typeError } from './compiled.js';
import { LikePatternError, likeRegExp } from './like.js';
import { unifyAll } from './unify.js';

/** `x [NOT] IN (a, b, ...)`. */
export function compileIn(
  x: Compiled,
  list: readonly Compiled[],
  negated: boolean,
  position: SqlPosition | undefined,
): Compiled {
  const u = unifyAll([x, ...list], 'IN list');
  const f = u.items[0].fn;
  const items = u.items.slice(1);
  const NOT = negated;
  if (items.every((c) => c.constant !== undefined)) {
    const key = mapKeyOf(u.type);
    const values = new Set<unknown>();
    let hasNull = false;
    for (const c of items) {
      const v = c.constant!.value;
      if (v === null) hasNull = true;
      else values.add(key(v));
    }
    return {
      type: 'BOOLEAN',
      position,
      fn: (r) => {
        const v = f(r);
        if (v === null) return null;
        if (values.has(key(v))) return !NOT;
        return hasNull ? null : NOT;
      },
    };
  }
  const eq = equalityOf(u.type);
  const fns = items.map((c) => c.fn);
  return {
    type: 'BOOLEAN',
    position,
    fn: (r) => {
      const v = f(r);
      if (v === null) return null;
      let sawNull = false;
      for (const g of fns) {
        const w = g(r);
        if (w === null) sawNull = true;
        else if (eq(v, w)) return !NOT;
      }
      return sawNull ? null : NOT;
    },
  };
}

/** `x [NOT] LIKE pattern [ESCAPE e]`, `ILIKE` case-insensitively. */
export function compileLike(
  x: Compiled,
  pattern: Compiled,
  escapeChar: string | undefined,
  how: { negated: boolean; caseInsensitive: boolean },
  position: SqlPosition | undefined,
): Compiled {
  for (const c of [x, pattern]) {
    if (c.type !== 'TEXT' && c.type !== 'NULL')
      throw typeError(`LIKE needs TEXT operands, got ${c.type}`, c.position);
  }
  if (escapeChar !== undefined && escapeChar.length > 1) {
    throw typeError(`ESCAPE must be one character, got '${escapeChar}'`, position);
  }
  const f = x.fn;
  const NOT = how.negated;
  const compile = (p: string): RegExp => {
    try {
      return likeRegExp(p, escapeChar, how.caseInsensitive);
    } catch (e) {
      if (e instanceof LikePatternError) throw evalError(e.message, pattern.position);
      throw e;
    }
  };
  if (pattern.constant !== undefined) {
    const p = pattern.constant.value;
    if (p === null) return { type: 'BOOLEAN', position, fn: () => null };
    let re: RegExp;
    try {
      re = compile(p as string);
    } catch (e) {
      throw typeError((e as Error).message, pattern.position);
    }
    return {
      type: 'BOOLEAN',
      position,
      fn: (r) => {
        const v = f(r);
        return v === null ? null : re.test(v as string) !== NOT;
      },
    };
  }
  const g = pattern.fn;
  let lastPattern: string | undefined;
  let lastRe: RegExp | undefined;
  return {
    type: 'BOOLEAN',
    position,
    fn: (r) => {
      const v = f(r);
      if (v === null) return null;
      const p = g(r);
      if (p === null) return null;
      if (p !== lastPattern) {
        lastRe = compile(p as string);
        lastPattern = p as string;
      }
      return lastRe!.test(v as string) !== NOT;
    },
  };
}
