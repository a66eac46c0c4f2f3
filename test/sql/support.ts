/** Compiling single expressions and whole scripts, and generated rows, for the SQL tests. */

import { columnRowFunction } from '../../src/plan/column-generator.js';
import type { SourceSpec } from '../../src/plan/job-spec.js';
import type { ExprType } from '../../src/schema/expr-type.js';
import { loadSqlParser, parseStatements } from '../../src/schema/sql-parser.js';
import type { Column } from '../../src/schema/sql-type.js';
import { compileExpr } from '../../src/sql/compile-expr.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { EvalContext } from '../../src/sql/compiled.js';
import type { SourceSchema } from '../../src/sql/source-scope.js';
import { sourceScope } from '../../src/sql/source-scope.js';
import { Positions } from '../../src/sql/tree.js';

export const SOURCE_COLUMNS: Column[] = [
  { name: 'a', type: 'BIGINT', nullable: true },
  { name: 'b', type: 'BIGINT', nullable: true },
  { name: 'x', type: 'DOUBLE', nullable: true },
  { name: 's', type: 'TEXT', nullable: true },
  { name: 't', type: 'TEXT', nullable: true },
  { name: 'p', type: 'BOOLEAN', nullable: true },
  { name: 'q', type: 'BOOLEAN', nullable: true },
  { name: 'ts', type: 'TIMESTAMP', nullable: true },
  { name: 'j', type: 'JSON', nullable: true },
];

export interface Expression {
  type: ExprType;
  ctx: EvalContext;
  eval(row: Record<string, unknown>): unknown;
}

/** Compiles `text` as an expression over a source table `src` with `columns`. */
export async function expression(
  text: string,
  columns: readonly Column[] = SOURCE_COLUMNS,
  typed = true,
): Promise<Expression> {
  await loadSqlParser();
  // biome-ignore lint/suspicious/noExplicitAny: walking the parser's tree of a known statement
  const [statement] = parseStatements(`SELECT ${text} FROM src`) as any[];
  const item = statement.Query.body.Select.projection[0];
  const node = item.UnnamedExpr ?? item.ExprWithAlias.expr;
  const source: SourceSchema = { name: 'src', columns, typed, replayableBatches: true };
  const ctx = new EvalContext();
  const c = compileExpr(node, sourceScope(source, undefined, new Positions(), ctx, 'the select list'));
  return { type: c.type, ctx, eval: (row) => c.fn(row) };
}

/** The error compiling a script throws (fails the test when it compiles). */
export async function scriptError(sql: string): Promise<Error & { code?: string; kind?: string }> {
  try {
    await compileSqlScript(sql, { name: 't' });
  } catch (e) {
    return e as Error & { code?: string; kind?: string };
  }
  throw new Error(`compiled without error:\n${sql}`);
}

/** The rows a compiled column-generator source produces, partition by partition. */
export function generatedRows(source: SourceSpec): Array<Array<Record<string, unknown>>> {
  if (source.type !== 'generator' || source.columns === undefined) throw new Error('not a column generator');
  const row = columnRowFunction(source.columns, source.seed ?? 1);
  return Array.from({ length: source.partitions }, (_, p) =>
    Array.from({ length: source.rowsPerPartition }, (_, i) => row(p, i)),
  );
}
