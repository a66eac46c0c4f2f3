/**
 * Aggregate functions as updating accumulators: SUM, COUNT, MIN, MAX and AVG each keep a small
 * state per group that one `step` per input row updates and `result` reads at any time — the
 * GROUP BY of an unbounded stream emits a group's current result whenever it changes. NULL
 * inputs are ignored (COUNT(*) counts rows); SUM, MIN, MAX and AVG of only NULLs are NULL.
 *
 * Over an updating input (a changelog source), `retract` takes a retracted row's value back out:
 * COUNT, SUM and AVG keep sums, so that is one subtraction. MIN and MAX keep only the extreme, and
 * taking it back would need every value of the group in the state, so they have no `retract`.
 */
import type { SqlPosition } from '../schema/errors.js';
import { type ExprType, isNumeric, isOrdered } from '../schema/expr-type.js';
import { comparatorOf, type IntValue, intAdd, intNeg } from '../schema/values.js';
import type { Compiled } from './compiled.js';
import { typeError } from './compiled.js';
import { decodeValue, encodeValue } from './state-codec.js';

/** One aggregate call of a query, compiled. */
export interface AggregateFn {
  /** `SUM(x)` etc., for messages and state fingerprints. */
  label: string;
  resultType: ExprType;
  /** A fresh state. */
  init(): unknown;
  /** The state after one more input value (`undefined` stands for the row of COUNT(*)). */
  step(acc: unknown, v: unknown): unknown;
  /** The state after one input value was retracted; absent where the state cannot (MIN, MAX). */
  retract?(acc: unknown, v: unknown): unknown;
  result(acc: unknown): unknown;
  /** The state as JSON, and back (checkpoints). */
  encode(acc: unknown): unknown;
  decode(json: unknown): unknown;
}

const double = (a: unknown, b: unknown) => Number(a) + Number(b);

/**
 * The aggregate `name` over `arg` (undefined for `COUNT(*)`).
 *
 * @throws SqlQueryError (`type`) for argument types the aggregate does not take.
 */
export function aggregateFn(
  name: string,
  arg: Compiled | undefined,
  position: SqlPosition | undefined,
): AggregateFn {
  const argType: ExprType = arg?.type ?? 'BIGINT';
  const label = `${name}(${arg === undefined ? '*' : argType})`;
  if (arg === undefined && name !== 'COUNT')
    throw typeError(`${name}(*) is not an aggregate; only COUNT(*) is`, position);
  switch (name) {
    case 'COUNT':
      return {
        label,
        resultType: 'BIGINT',
        init: () => 0,
        step: arg === undefined ? (n) => (n as number) + 1 : (n, v) => (v === null ? n : (n as number) + 1),
        retract:
          arg === undefined ? (n) => (n as number) - 1 : (n, v) => (v === null ? n : (n as number) - 1),
        result: (n) => n,
        encode: (n) => n,
        decode: (j) => j,
      };
    case 'SUM': {
      if (!isNumeric(argType) && argType !== 'NULL')
        throw typeError(`SUM needs a number, got ${argType}`, arg?.position);
      const resultType: ExprType = argType === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
      const add =
        resultType === 'DOUBLE' ? double : (a: unknown, b: unknown) => intAdd(a as IntValue, b as IntValue);
      const neg =
        resultType === 'DOUBLE' ? (v: unknown) => -Number(v) : (v: unknown) => intNeg(v as IntValue);
      return {
        label,
        resultType,
        init: () => null,
        step: (s, v) => (v === null ? s : s === null ? v : add(s, v)),
        // The state is the sum alone, so a group whose every value was retracted sums to 0, not NULL.
        retract: (s, v) => (v === null ? s : add(s ?? 0, neg(v))),
        result: (s) => s,
        encode: (s) => encodeValue(resultType, s),
        decode: (j) => decodeValue(resultType, j),
      };
    }
    case 'AVG': {
      if (!isNumeric(argType) && argType !== 'NULL')
        throw typeError(`AVG needs a number, got ${argType}`, arg?.position);
      const sumType: ExprType = argType === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
      const add =
        sumType === 'DOUBLE' ? double : (a: unknown, b: unknown) => intAdd(a as IntValue, b as IntValue);
      return {
        label,
        resultType: 'DOUBLE',
        init: () => [0, 0],
        step: (a, v) => {
          if (v !== null) {
            const s = a as [unknown, number];
            s[0] = add(s[0], v);
            s[1]++;
          }
          return a;
        },
        retract: (a, v) => {
          if (v !== null) {
            const s = a as [unknown, number];
            s[0] = add(s[0], sumType === 'DOUBLE' ? -Number(v) : intNeg(v as IntValue));
            s[1]--;
          }
          return a;
        },
        result: (a) => {
          const [s, n] = a as [unknown, number];
          return n === 0 ? null : Number(s) / n;
        },
        encode: (a) => [encodeValue(sumType, (a as unknown[])[0]), (a as unknown[])[1]],
        decode: (j) => [decodeValue(sumType, (j as unknown[])[0]), (j as unknown[])[1]],
      };
    }
    case 'MIN':
    case 'MAX': {
      if (!isOrdered(argType))
        throw typeError(`${name} needs values with an order, got ${argType}`, arg?.position);
      const cmp = comparatorOf(argType);
      const better =
        name === 'MIN'
          ? (v: unknown, m: unknown) => cmp(v, m) < 0
          : (v: unknown, m: unknown) => cmp(v, m) > 0;
      return {
        label,
        resultType: argType,
        init: () => null,
        step: (m, v) => (v === null ? m : m === null || better(v, m) ? v : m),
        result: (m) => m,
        encode: (m) => encodeValue(argType, m),
        decode: (j) => decodeValue(argType, j),
      };
    }
    default:
      throw typeError(`unknown aggregate ${name}`, position);
  }
}
