/**
 * The queries of a job spec (`queries[]`), compiled against its sources and its tables' models
 * when the job starts (and when a script or pipeline is created, to refuse one that could not
 * run): what each table's feeding sources run before routing, and each table's aggregation.
 */

import { LookupRegistry } from '../lookup/lookup-registry.js';
import type { QuerySpec, SourceSpec } from '../plan/job-spec.js';
import type { RowStage, ShardOperatorFactory } from '../plan/operators.js';
import { SqlSyntaxError } from '../schema/errors.js';
import { loadSqlParser, parseStatements } from '../schema/sql-parser.js';
import type { SinkTable } from '../sink/model.js';
import { compileInsert, type QueryPlan } from './compile-query.js';
import { SqlQueryError } from './errors.js';
import type { SourceSchema } from './source-scope.js';
import { GENERATOR_ROW_COLUMNS } from './source-tables.js';
import { isNode, Positions, variantOf } from './tree.js';

/** What a table's hosting needs from the queries writing it. */
export interface TableQueries {
  /** Per feeding source name: the stage its rows go through before routing. */
  stages: ReadonlyMap<string, RowStage>;
  /** GROUP BY: each shard's aggregation, and the table as the router sees the stage's rows. */
  aggregate?: { factory: ShardOperatorFactory; routing: SinkTable };
  /** Lookup tables the queries writing this table join. */
  lookups: string[];
}

/** A table as the planner sees it: its model and the sources feeding it. */
export interface PlannedTable {
  table: SinkTable;
  sources: readonly string[];
}

/** The columns a query can read from a source, and how they arrive. */
export function sourceSchemaOf(s: SourceSpec): SourceSchema {
  switch (s.type) {
    case 'generator':
      return {
        name: s.name,
        columns:
          s.columns?.map((c) => ({ name: c.name, type: c.type, nullable: (c.nullRate ?? 0) > 0 })) ??
          GENERATOR_ROW_COLUMNS,
        typed: true,
        replayableBatches: true,
      };
    case 'jsonl':
      return {
        name: s.name,
        columns: s.columns ?? [],
        typed: false,
        replayableBatches: true,
        ...(s.changelog === undefined ? {} : { changelog: s.changelog.updates ?? 'retract' }),
      };
    case 'ingest':
      return { name: s.name, columns: s.columns ?? [], typed: false, replayableBatches: false };
    case 'redis-stream':
      // A replay reads the same entries in the same order, but batches cut where the reads fell.
      return { name: s.name, columns: s.columns ?? [], typed: false, replayableBatches: false };
    case 'redis-pubsub':
      // Nothing is replayed at all (at most once).
      return { name: s.name, columns: s.columns ?? [], typed: false, replayableBatches: false };
  }
}

/** Compiles one query text (a single INSERT statement) with positions in its script. */
export function compileQuerySpec(
  q: QuerySpec,
  sources: ReadonlyMap<string, SourceSchema>,
  sinks: ReadonlyMap<string, SinkTable>,
  lookups?: LookupRegistry,
): QueryPlan {
  const positions = new Positions({ line: q.line ?? 1, column: q.column ?? 1 });
  let statements: unknown[];
  try {
    statements = parseStatements(q.sql);
  } catch (e) {
    if (e instanceof SqlSyntaxError) {
      const p = positions.shift({ line: e.line, column: e.column });
      throw new SqlSyntaxError(
        e.message.replace(/^SQL syntax error at line \d+, column \d+: /, ''),
        p.line,
        p.column,
      );
    }
    throw e;
  }
  const insert =
    statements.length === 1 && isNode(statements[0]) && isNode(statements[0].Insert)
      ? statements[0].Insert
      : undefined;
  if (insert === undefined) {
    throw new SqlQueryError(
      'unsupported',
      `a query must be one INSERT INTO ... SELECT statement (got ${statements.map(variantOf).join(', ') || 'nothing'})`,
      positions.origin,
    );
  }
  return compileInsert(insert, { sources, sinks, lookups }, positions);
}

/**
 * Compiles every query of a job and checks the wiring: a query's source must feed its table
 * (`tables[].sources`), a (source, table) pair has at most one query, and a GROUP BY query is
 * the only input of its table (its shards aggregate everything they receive). Stages of queries
 * that join lookup tables read them through `lookups`, which the job opens per attempt.
 *
 * @throws SqlSyntaxError, SqlQueryError with positions in the script.
 */
export async function planQueries(
  sources: readonly SourceSpec[],
  tables: readonly PlannedTable[],
  queries: readonly QuerySpec[],
  lookups: LookupRegistry = new LookupRegistry(),
): Promise<Map<string, TableQueries>> {
  const out = new Map<string, TableQueries>();
  for (const name of lookups.tables.keys()) {
    const clash = sources.some((s) => sameName(s.name, name))
      ? 'a source'
      : tables.some((t) => sameName(t.table.name, name))
        ? 'a sink table'
        : undefined;
    if (clash !== undefined) {
      throw new SqlQueryError('shape', `lookup table '${name}' has the name of ${clash}; rename one of them`);
    }
  }
  if (queries.length === 0) return out;
  await loadSqlParser();
  const schemas = new Map(sources.map((s) => [s.name, sourceSchemaOf(s)]));
  const sinks = new Map(tables.map((t) => [t.table.name, t.table]));
  const plans = queries.map((q) => ({ q, plan: compileQuerySpec(q, schemas, sinks, lookups) }));
  for (const { q, plan } of plans) {
    const at = { line: q.line ?? 1, column: q.column ?? 1 };
    const table = tables.find((t) => t.table.name === plan.sink)!;
    if (!table.sources.includes(plan.source)) {
      throw new SqlQueryError(
        'shape',
        `table ${plan.sink} is not fed by source ${plan.source} (tables[].sources)`,
        at,
      );
    }
    let entry = out.get(plan.sink);
    if (entry === undefined)
      out.set(plan.sink, (entry = { stages: new Map<string, RowStage>(), lookups: [] }));
    for (const name of plan.lookups) if (!entry.lookups.includes(name)) entry.lookups.push(name);
    const stages = entry.stages as Map<string, RowStage>;
    if (stages.has(plan.source)) {
      throw new SqlQueryError(
        'shape',
        `a second INSERT INTO ${plan.sink} ... FROM ${plan.source}: one query per source and sink (combine the conditions with OR)`,
        at,
      );
    }
    stages.set(plan.source, plan.stage);
    if (plan.aggregate !== undefined) {
      if (table.sources.length !== 1) {
        throw new SqlQueryError(
          'shape',
          `the GROUP BY query into ${plan.sink} must be the table's only input (it is also fed by ${table.sources.filter((s) => s !== plan.source).join(', ')})`,
          at,
        );
      }
      entry.aggregate = plan.aggregate;
    }
  }
  return out;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
