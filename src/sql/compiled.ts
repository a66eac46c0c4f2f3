/**
 * What compiling an expression gives: its type and one closure computing it for a row. The
 * closures are built once per query; evaluating a row calls them and nothing else (no parsing,
 * no type dispatch, no promise).
 */
import type { SqlPosition } from '../schema/errors.js';
import type { ExprType } from '../schema/expr-type.js';
import { SqlEvalError, SqlQueryError } from './errors.js';

/**
 * A compiled expression's function. `row` is what the query's phase evaluates over: a source
 * row object, or (for the output of a GROUP BY query) the array of group values followed by
 * aggregate results. Returns the value, `null` for SQL NULL.
 */
// biome-ignore lint/suspicious/noExplicitAny: a row is an object read by column name or an array read by index; each closure knows which
export type ExprFn = (row: any) => unknown;

/** A compiled expression. */
export interface Compiled {
  type: ExprType;
  fn: ExprFn;
  /** Set for literals (and expressions folded from them): the value, known at compile time. */
  constant?: { value: unknown };
  /** Where the expression starts in the script. */
  position?: SqlPosition;
}

/** State shared by a query's closures and set once per batch: the time NOW() returns. */
export class EvalContext {
  now: Date = new Date(0);
}

/** A compiled literal. */
export function constant(type: ExprType, value: unknown, position?: SqlPosition): Compiled {
  return { type, fn: () => value, constant: { value }, position };
}

/** Type error at a node. */
export function typeError(message: string, position: SqlPosition | undefined): SqlQueryError {
  return new SqlQueryError('type', message, position);
}

/** An SqlEvalError for a value computed at `position`. */
export function evalError(reason: string, position: SqlPosition | undefined): SqlEvalError {
  return new SqlEvalError(reason, position);
}

/** An `unsupported` error for valid SQL outside the pipeline dialect. */
export function unsupported(what: string, position: SqlPosition | undefined): SqlQueryError {
  return new SqlQueryError('unsupported', `${what} is not supported in pipeline queries`, position);
}
