/**
 * Compiles a parser expression tree into a typed closure (see compiled.ts), checking types as it
 * goes. SQL NULL is `null`; logic is three-valued: AND is false if either side is false, else
 * NULL if either side is NULL; OR dually; NOT NULL is NULL; comparisons and arithmetic with a
 * NULL operand are NULL; a WHERE clause keeps a row only when it is TRUE.
 */

import { ConversionError, castFunction } from '../schema/cast.js';
import { lookupType } from '../schema/column-types.js';
import type { SqlPosition } from '../schema/errors.js';
import { typeName } from '../schema/sql-parser.js';
import { literalText } from '../schema/sql-tree.js';
import type { SqlType } from '../schema/sql-type.js';
import { type IntValue, intNeg, normInt } from '../schema/values.js';
import {
  type Compiled,
  constant,
  type EvalContext,
  type ExprFn,
  typeError,
  unsupported,
} from './compiled.js';
import { SqlEvalError, SqlQueryError } from './errors.js';
import { callFunction, isAggregateName } from './functions.js';
import {
  binaryOp,
  checkBoolean,
  checkNumeric,
  comparison,
  distinctFrom,
  isTest,
  negate,
} from './operators.js';
import { compileIn, compileLike } from './predicates.js';
import { type Ident, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';
import { unifyAll } from './unify.js';

/** How names resolve where an expression is compiled (a WHERE clause, a select item, ...). */
export interface Scope {
  positions: Positions;
  ctx: EvalContext;
  /** The clause, for messages ("aggregate functions are not allowed in WHERE"). */
  clause: string;
  /** Resolves a column reference (`col` or `table.col`); throws an `unknown-column` error. */
  column(parts: Ident[], node: unknown): Compiled;
  /** Consulted before compiling any node: a GROUP BY expression stands for its value. */
  match?(node: unknown): Compiled | undefined;
  /** Compiles an aggregate call; absent where aggregates are not allowed. */
  aggregate?(name: string, args: readonly unknown[], position: SqlPosition | undefined): Compiled;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MAX = 2n ** 63n - 1n;

/** Compiles one expression. */
export function compileExpr(node: unknown, scope: Scope): Compiled {
  const matched = scope.match?.(node);
  if (matched !== undefined) return matched;
  const position = scope.positions.of(node);
  const kind = variantOf(node);
  const body = isNode(node) ? (node[kind] as unknown) : undefined;
  switch (kind) {
    case 'Identifier':
      return scope.column([identOf(body)!], node);
    case 'CompoundIdentifier':
      return scope.column(
        (body as unknown[]).map((p) => identOf(p)!),
        node,
      );
    case 'Value':
      return literal(body, position);
    case 'TypedString':
      return typedString(body as Node, position);
    case 'Nested':
      return compileExpr(body, scope);
    case 'UnaryOp':
      return unary(body as Node, scope, position);
    case 'BinaryOp':
      return binary(body as Node, scope, position);
    case 'IsNull':
    case 'IsNotNull':
    case 'IsTrue':
    case 'IsNotTrue':
    case 'IsFalse':
    case 'IsNotFalse':
      return isTest(kind, compileExpr(body, scope));
    case 'IsDistinctFrom':
    case 'IsNotDistinctFrom': {
      const [l, r] = body as unknown[];
      return distinctFrom(compileExpr(l, scope), compileExpr(r, scope), kind === 'IsNotDistinctFrom');
    }
    case 'InList': {
      const b = body as Node;
      const list = (b.list as unknown[]).map((e) => compileExpr(e, scope));
      return compileIn(compileExpr(b.expr, scope), list, b.negated === true, position);
    }
    case 'Between':
      return between(body as Node, scope, position);
    case 'Like':
    case 'ILike': {
      const b = body as Node;
      if (b.any === true) throw unsupported('LIKE ANY', position);
      const escapeChar = b.escape_char == null ? undefined : escapeText(b.escape_char);
      return compileLike(
        compileExpr(b.expr, scope),
        compileExpr(b.pattern, scope),
        escapeChar,
        { negated: b.negated === true, caseInsensitive: kind === 'ILike' },
        position,
      );
    }
    case 'Case':
      return caseExpr(body as Node, scope, position);
    case 'Cast':
      return cast(body as Node, scope, position);
    case 'Function':
      return functionCall(body as Node, scope, position);
    default:
      throw unsupported(describe(kind), position);
  }
}

/** A boolean condition (WHERE, CASE WHEN): BOOLEAN or NULL. */
export function compileCondition(node: unknown, scope: Scope): Compiled {
  const c = compileExpr(node, scope);
  if (c.type !== 'BOOLEAN' && c.type !== 'NULL') {
    throw typeError(`${scope.clause} needs a BOOLEAN condition, got ${c.type}`, c.position);
  }
  return c;
}

function describe(kind: string): string {
  switch (kind) {
    case 'Subquery':
    case 'InSubquery':
    case 'Exists':
      return 'a subquery';
    case 'Wildcard':
    case 'QualifiedWildcard':
      return '* outside the select list';
    default:
      return `the expression ${kind}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Literals

/** A literal value node (`'x'`, `42`, `1.5`, `TRUE`, `NULL`, `X'ff'`). */
function literal(body: unknown, position: SqlPosition | undefined): Compiled {
  const v = isNode(body) && 'value' in body ? body.value : body;
  if (v === 'Null') return constant('NULL', null, position);
  if (isNode(v)) {
    if (Array.isArray(v.Number)) return numberLiteral(String(v.Number[0]), position);
    if (typeof v.Boolean === 'boolean') return constant('BOOLEAN', v.Boolean, position);
    if (typeof v.HexStringLiteral === 'string') {
      return constant('BYTEA', Buffer.from(v.HexStringLiteral, 'hex'), position);
    }
  }
  const text = literalText({ Value: body });
  if (text !== undefined) return constant('TEXT', text, position);
  throw unsupported(`the literal ${variantOf(v)}`, position);
}

function numberLiteral(text: string, position: SqlPosition | undefined): Compiled {
  if (/^\d+$/.test(text)) {
    const big = BigInt(text);
    if (big > INT64_MAX) throw typeError(`${text} is out of range for BIGINT`, position);
    const n = normInt(big);
    const type = typeof n === 'number' && n >= INT32_MIN && n <= INT32_MAX ? 'INTEGER' : 'BIGINT';
    return constant(type, n, position);
  }
  const n = Number(text);
  if (!Number.isFinite(n)) throw typeError(`${text} is not a finite number`, position);
  return constant('DOUBLE', n, position);
}

/** `TIMESTAMP '2024-01-01 00:00:00'` and the like: the text cast at compile time. */
function typedString(body: Node, position: SqlPosition | undefined): Compiled {
  const type = sqlType(body.data_type, position);
  const text = literalText({ Value: body.value });
  if (text === undefined) throw unsupported('this typed literal', position);
  const conv = castFunction('TEXT', type)!;
  try {
    return constant(type, conv(text), position);
  } catch (e) {
    if (e instanceof ConversionError) throw typeError(e.message, position);
    throw e;
  }
}

/** The SqlType of a parser `data_type` (CAST targets, typed literals). */
export function sqlType(dataType: unknown, position: SqlPosition | undefined): SqlType {
  const spelled = typeName(dataType);
  const type = spelled === undefined ? undefined : lookupType(spelled);
  if (type === undefined) throw typeError(`unsupported type ${spelled ?? '(unknown)'}`, position);
  return type;
}

// ---------------------------------------------------------------------------------------------
// Operators

function unary(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const inner = compileExpr(body.expr, scope);
  const f = inner.fn;
  switch (body.op) {
    case 'Not': {
      checkBoolean(inner, 'NOT');
      return { ...inner, type: 'BOOLEAN', constant: undefined, position, fn: (r) => negate(f(r)) };
    }
    case 'Plus':
      checkNumeric(inner, '+');
      return inner;
    case 'Minus': {
      checkNumeric(inner, '-');
      const neg =
        inner.type === 'DOUBLE' ? (v: unknown) => -(v as number) : (v: unknown) => intNeg(v as IntValue);
      if (inner.constant !== undefined) {
        const v = inner.constant.value;
        return constant(inner.type, v === null ? null : neg(v), position);
      }
      return {
        ...inner,
        position,
        fn: (r) => {
          const v = f(r);
          return v === null ? null : neg(v);
        },
      };
    }
    default:
      throw unsupported(`the operator ${String(body.op)}`, position);
  }
}

function binary(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const op = String(body.op);
  const a = compileExpr(body.left, scope);
  const b = compileExpr(body.right, scope);
  return binaryOp(op, a, b, position);
}

/** `x [NOT] BETWEEN lo AND hi` = `x >= lo AND x <= hi` (three-valued). */
function between(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const x = compileExpr(body.expr, scope);
  const ge = comparison('GtEq', x, compileExpr(body.low, scope), position);
  const le = comparison('LtEq', x, compileExpr(body.high, scope), position);
  const both = binaryOp('And', ge, le, position);
  if (body.negated !== true) return both;
  const f = both.fn;
  return { ...both, fn: (r) => negate(f(r)) };
}

// ---------------------------------------------------------------------------------------------
// CASE and CAST

function caseExpr(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const operand = body.operand == null ? undefined : compileExpr(body.operand, scope);
  const arms = (body.conditions as Node[]).map((arm) => ({
    when:
      operand === undefined
        ? compileCondition(arm.condition, { ...scope, clause: 'CASE WHEN' })
        : compileExpr(arm.condition, scope),
    result: compileExpr(arm.result, scope),
  }));
  const otherwise =
    body.else_result == null ? constant('NULL', null, position) : compileExpr(body.else_result, scope);
  const results = unifyAll([...arms.map((a) => a.result), otherwise], 'CASE branches');
  const thens = results.items.slice(0, arms.length).map((c) => c.fn);
  const elseFn = results.items[arms.length].fn;
  let whens: ExprFn[];
  if (operand === undefined) {
    whens = arms.map((a) => a.when.fn);
  } else {
    // Simple CASE: `CASE x WHEN v THEN ...` tests x = v (never true when either is NULL).
    whens = arms.map((a) => comparison('Eq', operand, a.when, a.when.position).fn);
  }
  const n = whens.length;
  return {
    type: results.type,
    position,
    fn: (r) => {
      for (let i = 0; i < n; i++) if (whens[i](r) === true) return thens[i](r);
      return elseFn(r);
    },
  };
}

function cast(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const inner = compileExpr(body.expr, scope);
  const to = sqlType(body.data_type, position);
  const conv = castFunction(inner.type, to);
  if (conv === undefined) throw typeError(`cannot CAST ${inner.type} to ${to}`, position);
  const lenient = body.kind === 'TryCast' || body.kind === 'SafeCast';
  const f = inner.fn;
  const fn: ExprFn = (r) => {
    const v = f(r);
    if (v === null) return null;
    try {
      return conv(v);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      if (lenient) return null;
      throw new SqlEvalError(`CAST: ${e.message}`, position);
    }
  };
  if (inner.constant !== undefined && !lenient) {
    try {
      return constant(to, fn(null), position);
    } catch (e) {
      if (e instanceof SqlEvalError) throw typeError(e.reason, position);
      throw e;
    }
  }
  return { type: to, fn, position };
}

/**
 * A function call: an aggregate (handed to the scope, which knows whether aggregates are allowed
 * here) or a scalar function of functions.ts. Window functions, FILTER, DISTINCT and ORDER BY
 * inside the call are refused.
 */
function functionCall(body: Node, scope: Scope, position: SqlPosition | undefined): Compiled {
  const parts = Array.isArray(body.name) ? body.name.map(identOf) : [];
  const namePosition = scope.positions.of(body.name) ?? position;
  if (parts.length !== 1 || parts[0] === undefined)
    throw unsupported('a qualified function name', namePosition);
  const name = parts[0].value.toUpperCase();
  if (body.over != null) throw unsupported(`${name}(...) OVER (window functions)`, namePosition);
  if (body.filter != null) throw unsupported(`${name}(...) FILTER (WHERE ...)`, namePosition);
  if (Array.isArray(body.within_group) && body.within_group.length > 0) {
    throw unsupported(`${name}(...) WITHIN GROUP`, namePosition);
  }
  if (body.parameters !== undefined && body.parameters !== 'None')
    throw unsupported(`parameters of ${name}`, namePosition);
  const list = isNode(body.args) && isNode(body.args.List) ? body.args.List : undefined;
  if (list !== undefined && list.duplicate_treatment === 'Distinct') {
    // A distinct count that retractions can take back keeps every value with its count per group:
    // state that grows with the values, all of it in every checkpoint.
    throw unsupported(
      `${name}(DISTINCT ...) (its state would hold every distinct value of every group, stored whole in each checkpoint)`,
      namePosition,
    );
  }
  if (list !== undefined && Array.isArray(list.clauses) && list.clauses.length > 0) {
    throw unsupported(`clauses inside ${name}(...)`, namePosition);
  }
  const args: unknown[] = [];
  for (const a of list === undefined ? [] : (list.args as unknown[])) {
    const unnamed = isNode(a) ? a.Unnamed : undefined;
    if (unnamed === 'Wildcard') args.push('Wildcard');
    else if (isNode(unnamed) && 'Expr' in unnamed) args.push(unnamed.Expr);
    else throw unsupported(`named or qualified arguments of ${name}`, namePosition);
  }
  if (isAggregateName(name)) {
    if (scope.aggregate === undefined) {
      throw new SqlQueryError(
        'shape',
        `aggregate function ${name} is not allowed in ${scope.clause}`,
        namePosition,
      );
    }
    return scope.aggregate(name, args, namePosition);
  }
  if (args.includes('Wildcard')) throw unsupported(`${name}(*)`, namePosition);
  return callFunction(
    name,
    args.map((a) => compileExpr(a, scope)),
    { position: namePosition, ctx: scope.ctx },
  );
}

function escapeText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return literalText({ Value: v }) ?? literalText(v);
}
