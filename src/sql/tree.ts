/**
 * What the query compiler adds to the shared tree reader (schema/sql-tree.ts): enum variants, the
 * position of a node in the script, and a span-free fingerprint of a node for structural
 * comparison (GROUP BY expressions repeated in the select list).
 */

import type { SqlPosition } from '../schema/errors.js';
import { extent, isNode } from '../schema/sql-tree.js';

export { type Ident, ident as identOf, identMatches, isNode, type Node } from '../schema/sql-tree.js';

/** The single variant key of an enum node (`{ BinaryOp: {...} }` → `BinaryOp`). */
export function variantOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!isNode(node)) return String(node);
  return Object.keys(node)[0] ?? 'unknown';
}

/**
 * Where nodes are in the script. Queries compiled from a statement text stored apart from its
 * script (a job spec's `queries[].sql`) carry the position of that text in the script, so errors
 * still point into the script.
 */
export class Positions {
  constructor(readonly origin: SqlPosition = { line: 1, column: 1 }) {}

  /** The start of the first span inside `node`, in script coordinates. */
  of(node: unknown): SqlPosition | undefined {
    const p = extent(node)?.start;
    return p === undefined ? undefined : this.shift(p);
  }

  /** A position in the statement text as a position in the script. */
  shift(p: SqlPosition): SqlPosition {
    const { line, column } = this.origin;
    return p.line === 1
      ? { line, column: p.column + column - 1 }
      : { line: p.line + line - 1, column: p.column };
  }
}

/**
 * A text standing for a node's structure without positions, so that `SUM(x)` written twice, or
 * a GROUP BY expression repeated in the select list, compare equal. Identifiers are folded to
 * lower case unless quoted.
 */
export function fingerprint(node: unknown): string {
  return JSON.stringify(node, (key, value) => {
    if (key === 'span' || key.endsWith('_token')) return undefined;
    if (isNode(value) && typeof value.value === 'string' && 'span' in value && value.quote_style == null) {
      return { ...value, value: value.value.toLowerCase(), span: undefined };
    }
    return value;
  });
}
