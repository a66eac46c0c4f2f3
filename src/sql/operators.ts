/**
 * Operators over compiled expressions, with SQL NULL semantics: three-valued AND / OR / NOT,
 * comparisons and arithmetic that are NULL when an operand is NULL, `IS [NOT] NULL / TRUE /
 * FALSE`, `IS [NOT] DISTINCT FROM`, and `||`.
 */
import type { SqlPosition } from '../schema/errors.js';
import { commonType, type ExprType, isNumeric, isOrdered } from '../schema/expr-type.js';
import {
  comparatorOf,
  equalityOf,
  type IntValue,
  intAdd,
  intDiv,
  intMod,
  intMul,
  intSub,
  valueText,
} from '../schema/values.js';
import { type Compiled, type ExprFn, evalError, typeError, unsupported } from './compiled.js';
import { unify } from './unify.js';

/** Operator names of the parser, as SQL writes them. */
export const OPERATOR_TEXT: Readonly<Record<string, string>> = {
  Plus: '+',
  Minus: '-',
  Multiply: '*',
  Divide: '/',
  Modulo: '%',
  Eq: '=',
  NotEq: '<>',
  Lt: '<',
  LtEq: '<=',
  Gt: '>',
  GtEq: '>=',
  And: 'AND',
  Or: 'OR',
  StringConcat: '||',
};

/** Three-valued NOT of a value. */
export function negate(v: unknown): unknown {
  return v === null ? null : !v;
}

/** A type error unless `c` is BOOLEAN or NULL. */
export function checkBoolean(c: Compiled, op: string): void {
  if (c.type !== 'BOOLEAN' && c.type !== 'NULL')
    throw typeError(`${op} needs BOOLEAN operands, got ${c.type}`, c.position);
}

/** A type error unless `c` is numeric or NULL. */
export function checkNumeric(c: Compiled, op: string): void {
  if (!isNumeric(c.type) && c.type !== 'NULL') {
    throw typeError(`operator ${op} needs numeric operands, got ${c.type}`, c.position);
  }
}

/** A binary operator (`And`, `Eq`, `Plus`, `StringConcat`, ... as the parser names them) over two compiled operands. */
export function binaryOp(op: string, a: Compiled, b: Compiled, position: SqlPosition | undefined): Compiled {
  const f = a.fn;
  const g = b.fn;
  switch (op) {
    case 'And':
      checkBoolean(a, 'AND');
      checkBoolean(b, 'AND');
      return {
        type: 'BOOLEAN',
        position,
        fn: (r) => {
          const x = f(r);
          if (x === false) return false;
          const y = g(r);
          if (y === false) return false;
          return x === null || y === null ? null : true;
        },
      };
    case 'Or':
      checkBoolean(a, 'OR');
      checkBoolean(b, 'OR');
      return {
        type: 'BOOLEAN',
        position,
        fn: (r) => {
          const x = f(r);
          if (x === true) return true;
          const y = g(r);
          if (y === true) return true;
          return x === null || y === null ? null : false;
        },
      };
    case 'Eq':
    case 'NotEq':
    case 'Lt':
    case 'LtEq':
    case 'Gt':
    case 'GtEq':
      return comparison(op, a, b, position);
    case 'Plus':
    case 'Minus':
    case 'Multiply':
    case 'Divide':
    case 'Modulo':
      return arithmetic(op, a, b, position);
    case 'StringConcat':
      return {
        type: 'TEXT',
        position,
        fn: (r) => {
          const x = f(r);
          if (x === null) return null;
          const y = g(r);
          if (y === null) return null;
          return (typeof x === 'string' ? x : valueText(x)) + (typeof y === 'string' ? y : valueText(y));
        },
      };
    default:
      throw unsupported(`the operator ${OPERATOR_TEXT[op] ?? op}`, position);
  }
}

/** A comparison of two expressions of a common type; NULL when either is NULL. */
export function comparison(
  op: string,
  a: Compiled,
  b: Compiled,
  position: SqlPosition | undefined,
): Compiled {
  const u = unify(a, b, `cannot compare with ${OPERATOR_TEXT[op]}`);
  if (op !== 'Eq' && op !== 'NotEq' && !isOrdered(u.type)) {
    throw typeError(`${u.type} values have no order (operator ${OPERATOR_TEXT[op]})`, position);
  }
  const f = u.a.fn;
  const g = u.b.fn;
  const test = comparisonTest(op, u.type);
  return {
    type: 'BOOLEAN',
    position,
    fn: (r) => {
      const x = f(r);
      if (x === null) return null;
      const y = g(r);
      if (y === null) return null;
      return test(x as number, y as number);
    },
  };
}

/**
 * The test of a comparison operator over non-null values of one type. The operands are typed
 * `number` for the relational operators, which JavaScript applies alike to numbers, bigints
 * (mixed with numbers, by value) and strings (by UTF-16 code units).
 */
function comparisonTest(op: string, type: ExprType): (x: number, y: number) => boolean {
  // Numbers (number and bigint mix exactly) and text compare with the operators themselves.
  const direct = isNumeric(type) || type === 'TEXT';
  if (op === 'Eq' || op === 'NotEq') {
    const eq = equalityOf(type);
    return op === 'Eq' ? eq : (x, y) => !eq(x, y);
  }
  if (direct) {
    switch (op) {
      case 'Lt':
        return (x, y) => x < y;
      case 'LtEq':
        return (x, y) => x <= y;
      case 'Gt':
        return (x, y) => x > y;
      default:
        return (x, y) => x >= y;
    }
  }
  const cmp = comparatorOf(type);
  switch (op) {
    case 'Lt':
      return (x, y) => cmp(x, y) < 0;
    case 'LtEq':
      return (x, y) => cmp(x, y) <= 0;
    case 'Gt':
      return (x, y) => cmp(x, y) > 0;
    default:
      return (x, y) => cmp(x, y) >= 0;
  }
}

/**
 * `+ - * / %` over numbers. Integer operands give an integer (exact, moving to bigint past
 * 2^53, `/` truncating toward zero); a DOUBLE operand gives a DOUBLE. Division by zero is an
 * error, as in PostgreSQL.
 */
function arithmetic(op: string, a: Compiled, b: Compiled, position: SqlPosition | undefined): Compiled {
  const sym = OPERATOR_TEXT[op];
  checkNumeric(a, sym);
  checkNumeric(b, sym);
  const type: ExprType = commonType(a.type, b.type) ?? 'DOUBLE';
  const resultType: ExprType = type === 'NULL' ? 'INTEGER' : type;
  const f = a.fn;
  const g = b.fn;
  let apply: (x: IntValue, y: IntValue) => unknown;
  if (resultType === 'DOUBLE') {
    switch (op) {
      case 'Plus':
        apply = (x, y) => Number(x) + Number(y);
        break;
      case 'Minus':
        apply = (x, y) => Number(x) - Number(y);
        break;
      case 'Multiply':
        apply = (x, y) => Number(x) * Number(y);
        break;
      case 'Divide':
        apply = (x, y) => {
          const d = Number(y);
          if (d === 0) throw evalError('division by zero', position);
          return Number(x) / d;
        };
        break;
      default:
        apply = (x, y) => {
          const d = Number(y);
          if (d === 0) throw evalError('division by zero', position);
          return Number(x) % d;
        };
    }
  } else {
    switch (op) {
      case 'Plus':
        apply = intAdd;
        break;
      case 'Minus':
        apply = intSub;
        break;
      case 'Multiply':
        apply = intMul;
        break;
      case 'Divide':
        apply = (x, y) => {
          // biome-ignore lint/suspicious/noDoubleEquals: 0 and 0n
          if (y == 0) throw evalError('division by zero', position);
          return intDiv(x, y);
        };
        break;
      default:
        apply = (x, y) => {
          // biome-ignore lint/suspicious/noDoubleEquals: 0 and 0n
          if (y == 0) throw evalError('division by zero', position);
          return intMod(x, y);
        };
    }
  }
  return {
    type: resultType,
    position,
    fn: (r) => {
      const x = f(r);
      if (x === null) return null;
      const y = g(r);
      if (y === null) return null;
      return apply(x as IntValue, y as IntValue);
    },
  };
}

/** `IS [NOT] NULL`, `IS [NOT] TRUE`, `IS [NOT] FALSE` (never NULL). */
export function isTest(kind: string, c: Compiled): Compiled {
  const f = c.fn;
  let fn: ExprFn;
  switch (kind) {
    case 'IsNull':
      fn = (r) => f(r) === null;
      break;
    case 'IsNotNull':
      fn = (r) => f(r) !== null;
      break;
    default: {
      checkBoolean(c, kind.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase());
      if (kind === 'IsTrue') fn = (r) => f(r) === true;
      else if (kind === 'IsNotTrue') fn = (r) => f(r) !== true;
      else if (kind === 'IsFalse') fn = (r) => f(r) === false;
      else fn = (r) => f(r) !== false;
    }
  }
  return { type: 'BOOLEAN', fn, position: c.position };
}

/** `a IS [NOT] DISTINCT FROM b`: equality where NULL equals NULL; never NULL itself. */
export function distinctFrom(a: Compiled, b: Compiled, notDistinct: boolean): Compiled {
  const u = unify(a, b, 'IS DISTINCT FROM');
  const eq = equalityOf(u.type);
  const f = u.a.fn;
  const g = u.b.fn;
  return {
    type: 'BOOLEAN',
    position: a.position,
    fn: (r) => {
      const x = f(r);
      const y = g(r);
      const same = x === null || y === null ? x === y : eq(x, y);
      return notDistinct ? same : !same;
    },
  };
}
