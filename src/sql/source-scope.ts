/**
 * Column references over a source table's rows. Generator rows carry typed values; rows of
 * untyped sources (JSON lines, ingest) are converted to the declared column types as they are
 * read (cast.ts `coercion`), and a value that does not convert fails the row's query.
 */

import { ConversionError, coercion } from '../schema/cast.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { Column } from '../schema/sql-type.js';
import type { Scope } from './compile-expr.js';
import type { Compiled, EvalContext, ExprFn } from './compiled.js';
import { SqlEvalError, SqlQueryError } from './errors.js';
import { type Ident, identMatches, type Positions } from './tree.js';

/** What a query knows of the table it reads. */
export interface SourceSchema {
  name: string;
  columns: readonly Column[];
  /** Values arrive as their SQL types (generator); otherwise they are converted when read. */
  typed: boolean;
  /**
   * A recovery replays the source's batches with the same boundaries (generator, JSON lines):
   * what ORDER BY into an exactly-once table needs. Ingest batches depend on timing.
   */
  replayableBatches: boolean;
  /**
   * The source is a changelog (docs/changelogs.md): `retract` when its updates carry the old
   * row, `upsert` when they carry the new row alone. Undefined: every row is an insert.
   */
  changelog?: 'retract' | 'upsert';
}

/** The column an identifier names (case-insensitively unless quoted), or undefined. */
export function findColumn(columns: readonly Column[], id: Ident): Column | undefined {
  return columns.find((c) => c.name === id.value) ?? columns.find((c) => identMatches(id, c.name));
}

/**
 * Reads a column of a source row: as it is (typed sources), or converted to the column's type
 * (untyped ones), a value that does not convert failing the row with the reference's position.
 */
export function sourceGetter(column: Column, typed: boolean, positions: Positions, node: unknown): ExprFn {
  const name = column.name;
  if (typed) return (r) => r[name] ?? null;
  const convert = coercion(column.type);
  const at = positions.of(node);
  return (r) => {
    const v = r[name];
    if (v === undefined || v === null) return null;
    try {
      return convert(v);
    } catch (e) {
      if (e instanceof ConversionError) throw new SqlEvalError(`source column '${name}': ${e.message}`, at);
      throw e;
    }
  };
}

/**
 * The scope of expressions over the source row (WHERE, GROUP BY, aggregate arguments and the
 * select list of a query without GROUP BY). `alias` is the FROM clause's `AS` name, if any.
 */
export function sourceScope(
  source: SourceSchema,
  alias: string | undefined,
  positions: Positions,
  ctx: EvalContext,
  clause: string,
): Scope {
  return {
    positions,
    ctx,
    clause,
    column(parts, node): Compiled {
      const position = positions.of(node);
      if (parts.length > 2)
        throw new SqlQueryError('unsupported', 'qualified names with more than two parts', position);
      if (parts.length === 2) {
        const t = parts[0];
        if (!identMatches(t, alias ?? source.name)) {
          throw new SqlQueryError(
            'unknown-table',
            `'${t.value}' is not the table this query reads (${alias ?? source.name})`,
            position,
          );
        }
      }
      const id = parts[parts.length - 1];
      const column = findColumn(source.columns, id);
      if (column === undefined) {
        const names = source.columns.map((c) => c.name);
        const hint = didYouMean(id.value, names);
        throw new SqlQueryError(
          'unknown-column',
          `column '${id.value}' is not a column of ${source.name}${hint === undefined ? ` (columns: ${names.join(', ')})` : ` (did you mean '${hint}'?)`}`,
          position,
        );
      }
      return { type: column.type, fn: sourceGetter(column, source.typed, positions, node), position };
    },
  };
}
