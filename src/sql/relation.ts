/**
 * The FROM clause of a query as its expressions see it: the stream (the source table) and the
 * lookup tables joined to it, in order. Without a join, expressions read the source row itself
 * (source-scope.ts, unchanged). With joins they read a **joined row**, an array:
 *
 * ```
 * [ sourceRow, lookupRow₀ | null, lookupRow₁ | null, ... ]     (null: a LEFT JOIN found nothing)
 * ```
 *
 * so a column reference compiles to one index and one property read, and no per-row object is
 * merged. Names resolve as in SQL: `alias.col` (or `table.col` when the table has no alias) names
 * one table's column; a bare `col` must belong to exactly one table.
 */

import type { LookupTable } from '../lookup/model.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { SqlPosition } from '../schema/errors.js';
import type { Column } from '../schema/sql-type.js';
import type { Scope } from './compile-expr.js';
import type { Compiled, EvalContext, ExprFn } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { findColumn, type SourceSchema, sourceGetter, sourceScope } from './source-scope.js';
import { type Ident, identMatches, type Positions } from './tree.js';

/** A lookup table joined to the stream. */
export interface LookupJoin {
  table: LookupTable;
  /** The `AS` name, if any. */
  alias: string | undefined;
  /** LEFT keeps a stream row whose key finds nothing (the lookup's columns null); INNER drops it. */
  kind: 'left' | 'inner';
  /** The join value, over the joined row (the stream and the lookups joined before this one). */
  key: ExprFn;
  /** Earlier joins (indices into `joins`) the key reads; empty when it reads the stream alone. */
  reads: readonly number[];
  /** Where the joined table is named. */
  position: SqlPosition | undefined;
}

/** The FROM clause of a query. */
export interface Relation {
  source: SourceSchema;
  /** The stream's `AS` name, if any. */
  alias: string | undefined;
  joins: readonly LookupJoin[];
}

/** What resolving a column reference found: a table (0 the stream, j + 1 lookup join j) and its column. */
export interface Resolved {
  table: number;
  column: Column;
}

/** The name a table is referred to by in this query (its alias, else its declared name). */
export function tableLabel(rel: Relation, t: number): string {
  if (t === 0) return rel.alias ?? rel.source.name;
  const j = rel.joins[t - 1];
  return j.alias ?? j.table.name;
}

/** Columns of table `t` (0 the stream, j + 1 lookup join j). */
export function tableColumns(rel: Relation, t: number): readonly Column[] {
  return t === 0 ? rel.source.columns : rel.joins[t - 1].table.columns;
}

/** Options of {@link relationScope} and {@link resolveColumn}. */
export interface Visibility {
  /** Tables that may be read: the stream and the first `visible - 1` joins. Default: all. */
  visible?: number;
  /** Told the table of every column reference compiled (to learn what a join key reads). */
  onRead?: (table: number) => void;
}

/**
 * Resolves `col` or `table.col` among the visible tables.
 *
 * @throws SqlQueryError: an unknown or not yet visible table, an unknown column, or a bare name
 *   that several tables have.
 */
export function resolveColumn(
  rel: Relation,
  parts: readonly Ident[],
  position: SqlPosition | undefined,
  visible = rel.joins.length + 1,
): Resolved {
  if (parts.length > 2)
    throw new SqlQueryError('unsupported', 'qualified names with more than two parts', position);
  const id = parts[parts.length - 1];
  const labels = Array.from({ length: rel.joins.length + 1 }, (_, t) => tableLabel(rel, t));
  if (parts.length === 2) {
    const q = parts[0];
    const t = labels.findIndex((label) => identMatches(q, label));
    if (t < 0) {
      const read = labels.slice(0, visible).join(', ');
      throw new SqlQueryError(
        'unknown-table',
        rel.joins.length === 0
          ? `'${q.value}' is not the table this query reads (${read})`
          : `'${q.value}' is not a table of this query (${read})`,
        position,
      );
    }
    if (t >= visible) {
      throw new SqlQueryError(
        'unknown-table',
        `'${q.value}' cannot be read here: a join's condition reads the stream and the tables joined before it (${labels.slice(0, visible).join(', ')})`,
        position,
      );
    }
    const column = findColumn(tableColumns(rel, t), id);
    if (column === undefined) throw unknownColumn(rel, [t], id, position);
    return { table: t, column };
  }
  const found: Resolved[] = [];
  for (let t = 0; t < visible; t++) {
    const column = findColumn(tableColumns(rel, t), id);
    if (column !== undefined) found.push({ table: t, column });
  }
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw unknownColumn(
      rel,
      Array.from({ length: visible }, (_, t) => t),
      id,
      position,
    );
  }
  const owners = found.map((f) => tableLabel(rel, f.table));
  throw new SqlQueryError(
    'unknown-column',
    `column '${id.value}' is ambiguous: ${owners.join(' and ')} both have it (write ${owners.map((o) => `${o}.${id.value}`).join(' or ')})`,
    position,
  );
}

/** {@link resolveColumn} without errors: undefined for any problem. */
export function tryResolveColumn(rel: Relation, parts: readonly Ident[]): Resolved | undefined {
  try {
    return resolveColumn(rel, parts, undefined);
  } catch {
    return undefined;
  }
}

function unknownColumn(
  rel: Relation,
  tables: readonly number[],
  id: Ident,
  position: SqlPosition | undefined,
): SqlQueryError {
  const names = tables.flatMap((t) => tableColumns(rel, t).map((c) => c.name));
  const hint = didYouMean(id.value, names);
  const owner =
    tables.length === 1 ? tableName(rel, tables[0]) : tables.map((t) => tableName(rel, t)).join(' or ');
  return new SqlQueryError(
    'unknown-column',
    `column '${id.value}' is not a column of ${owner}${hint === undefined ? ` (columns: ${names.join(', ')})` : ` (did you mean '${hint}'?)`}`,
    position,
  );
}

function tableName(rel: Relation, t: number): string {
  return t === 0 ? rel.source.name : rel.joins[t - 1].table.name;
}

/**
 * The scope of expressions over the query's rows: the source row itself without joins, the joined
 * row with them.
 */
export function relationScope(
  rel: Relation,
  positions: Positions,
  ctx: EvalContext,
  clause: string,
  options: Visibility = {},
): Scope {
  if (rel.joins.length === 0) return sourceScope(rel.source, rel.alias, positions, ctx, clause);
  const visible = options.visible ?? rel.joins.length + 1;
  return {
    positions,
    ctx,
    clause,
    column(parts, node): Compiled {
      const position = positions.of(node);
      const { table, column } = resolveColumn(rel, parts, position, visible);
      options.onRead?.(table);
      return { type: column.type, fn: joinedGetter(rel, table, column, positions, node), position };
    },
  };
}

function joinedGetter(
  rel: Relation,
  table: number,
  column: Column,
  positions: Positions,
  node: unknown,
): ExprFn {
  const name = column.name;
  if (table === 0) {
    if (rel.source.typed) return (r) => r[0][name] ?? null;
    const read = sourceGetter(column, false, positions, node);
    return (r) => read(r[0]);
  }
  // Lookup rows carry their columns' types already (lookup/row-decoder.ts).
  return (r) => {
    const row = r[table];
    return row === null ? null : (row[name] ?? null);
  };
}
