/**
 * Compiles one `INSERT INTO sink SELECT ... FROM source [WHERE ...] [GROUP BY ...] [ORDER BY ...]`
 * against the script's tables into a {@link QueryPlan}: the stage the source actor runs before
 * routing and, for GROUP BY, the aggregation each shard of the sink runs. Types are checked
 * against the source's columns and the sink's; every error gives its line and column.
 *
 * Select items are written to the sink's columns by position (SQL's INSERT rule): all of the
 * sink's declared columns, or those of `INSERT INTO t (a, b)`. A sink without declared columns
 * takes the items' names (aliases, or column names).
 */

import { LookupRegistry } from '../lookup/lookup-registry.js';
import type { RowStage, ShardOperatorFactory } from '../plan/operators.js';
import { refusesRetractions } from '../sink/changelog-rows.js';
import type { SinkTable } from '../sink/model.js';
import { compileCondition, compileExpr } from './compile-expr.js';
import { compileFrom, lookupName, singleName } from './compile-from.js';
import { groupByNodes, groupedPlan } from './compile-group-by.js';
import { orderByItems, plainSortKey } from './compile-order-by.js';
import { EvalContext, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { LookupJoinStage } from './join-stage.js';
import { type BatchEvaluator, ProjectStage } from './query-stage.js';
import { relationScope } from './relation.js';
import { checkTarget, containsAggregate, selectItems, targetColumns } from './select-list.js';
import type { SourceSchema } from './source-scope.js';
import { isNode, type Node, type Positions, variantOf } from './tree.js';

/** The tables a query may name. */
export interface QueryTables {
  sources: ReadonlyMap<string, SourceSchema>;
  sinks: ReadonlyMap<string, SinkTable>;
  /** Lookup tables a query may join, and their connections while a job attempt runs. Default: none. */
  lookups?: LookupRegistry;
}

/** A compiled query. */
export interface QueryPlan {
  /** Source table read (its declared name). */
  source: string;
  /** Sink table written. */
  sink: string;
  /** Runs in the source actor, per batch, before routing. */
  stage: RowStage;
  /** GROUP BY: the aggregation run by the sink's shards, and the table as the router sees the stage's rows. */
  aggregate?: { factory: ShardOperatorFactory; routing: SinkTable };
  /** The query has ORDER BY (batches are sorted). */
  ordered: boolean;
  /** Lookup tables the query joins (declared names, each once). */
  lookups: string[];
}

/**
 * Compiles the body of an `Insert` statement node.
 *
 * @throws SqlQueryError with the line and column of the problem.
 */
export function compileInsert(insert: Node, tables: QueryTables, positions: Positions): QueryPlan {
  const P = positions;
  for (const [field, what] of [
    ['on', 'ON CONFLICT / ON DUPLICATE KEY'],
    ['returning', 'RETURNING'],
    ['partitioned', 'PARTITION'],
    ['or', 'INSERT OR ...'],
  ] as const) {
    if (insert[field] != null) throw unsupported(what, P.of(insert[field]) ?? P.of(insert.table));
  }
  if (insert.overwrite === true || insert.replace_into === true || insert.ignore === true) {
    throw unsupported('INSERT OVERWRITE / REPLACE / IGNORE', P.of(insert.table));
  }
  const sinkId = singleName(insert.table, P, 'a sink table');
  const sink = lookupName(tables.sinks, sinkId);
  const registry = tables.lookups ?? new LookupRegistry();
  if (sink === undefined) {
    if (lookupName(registry.tables, sinkId) !== undefined) {
      throw new SqlQueryError(
        'unknown-table',
        `cannot INSERT INTO '${sinkId.value}': it is a lookup table (read-only; it is joined, not written)`,
        P.of(sinkId.node),
      );
    }
    const isSource = lookupName(tables.sources, sinkId) !== undefined;
    throw new SqlQueryError(
      'unknown-table',
      isSource
        ? `cannot INSERT INTO '${sinkId.value}': it is a source table (connector = 'redis' tables are the sinks)`
        : `table '${sinkId.value}' is not declared in the script (sink tables: ${[...tables.sinks.keys()].join(', ') || 'none'})`,
      P.of(sinkId.node),
    );
  }
  const query = insert.source;
  if (!isNode(query)) throw unsupported('INSERT without SELECT', P.of(insert.table));
  if (query.with != null) throw unsupported('WITH (common table expressions)', P.of(query.with));
  if (query.limit_clause != null) {
    throw unsupported('LIMIT (an unbounded stream has no end to count to)', P.of(query.limit_clause));
  }
  if (query.fetch != null) throw unsupported('FETCH', P.of(query.fetch));
  const body = query.body;
  const select = isNode(body) && isNode(body.Select) ? body.Select : undefined;
  if (select === undefined) {
    throw unsupported(
      `${variantOf(body)} (only a single SELECT can feed a sink)`,
      P.of(body) ?? P.of(insert.table),
    );
  }
  refuseClauses(select, P);
  const ctx = new EvalContext();
  const rel = compileFrom(select, { ...tables, lookups: registry.tables }, P, ctx);
  const { source } = rel;
  const items = selectItems(select, rel, P);
  const targets = targetColumns(insert, sink, items, P);
  const groupBy = groupByNodes(select, P);
  const grouped = groupBy.length > 0 || items.some((i) => containsAggregate(i.node));
  const where =
    select.selection == null
      ? undefined
      : compileCondition(select.selection, relationScope(rel, P, ctx, 'WHERE')).fn;
  const orderBy = orderByItems(query.order_by, P);
  if (orderBy.length > 0 && sink.delivery === 'exactly_once' && !grouped) {
    if (!source.replayableBatches) {
      throw new SqlQueryError(
        'shape',
        `ORDER BY over source '${source.name}' into exactly-once table '${sink.name}' is not supported: its batches are not replayed with the same boundaries after a recovery, so sorted rows could not be fenced exactly once`,
        orderBy[0].position,
      );
    }
    if (rel.joins.length > 0) {
      throw new SqlQueryError(
        'shape',
        `ORDER BY with a lookup join into exactly-once table '${sink.name}' is not supported: a replayed batch may find other values in Redis, so its sorted rows could not be fenced exactly once`,
        orderBy[0].position,
      );
    }
  }
  const lookups = [...new Set(rel.joins.map((j) => j.table.name))];
  const withJoins = (stage: RowStage & BatchEvaluator): RowStage =>
    rel.joins.length === 0 ? stage : new LookupJoinStage(rel.joins, registry, stage);
  if (!grouped && select.having != null) {
    throw new SqlQueryError(
      'shape',
      'HAVING needs GROUP BY or an aggregate in the select list (it filters groups)',
      P.of(select.having),
    );
  }
  if (!grouped && source.changelog !== undefined) {
    // Its retractions would reach the table as they come: refused here rather than row by row.
    const refused = refusesRetractions(sink);
    if (refused !== null) {
      throw new SqlQueryError(
        'shape',
        `source '${source.name}' is a changelog (its rows update and delete), and ${refused}`,
        P.of(insert.table),
      );
    }
  }
  if (!grouped) {
    const scope = relationScope(rel, P, ctx, 'the select list');
    const values = items.map((item, j) => checkTarget(compileExpr(item.node, scope), targets[j], sink, item));
    const names = targets.map((t) => t.name);
    const order = orderBy.map((o) => plainSortKey(o, items, names, values, scope));
    return {
      source: source.name,
      sink: sink.name,
      stage: withJoins(
        new ProjectStage(
          ctx,
          where,
          names,
          values.map((v) => v.fn),
          order,
        ),
      ),
      ordered: order.length > 0,
      lookups,
    };
  }
  const having = select.having ?? undefined;
  const plan = groupedPlan({ sink, rel, items, targets, groupBy, orderBy, where, having, ctx, P });
  return { ...plan, stage: withJoins(plan.stage as RowStage & BatchEvaluator), lookups };
}

// ---------------------------------------------------------------------------------------------
// Clauses

function refuseClauses(select: Node, P: Positions): void {
  const at = P.of(select.projection);
  if (select.distinct != null) throw unsupported('SELECT DISTINCT', at);
  if (select.top != null) throw unsupported('TOP', at);
  if (select.into != null) throw unsupported('SELECT INTO', at);
  if (select.qualify != null) throw unsupported('QUALIFY', P.of(select.qualify));
  if (select.prewhere != null) throw unsupported('PREWHERE', P.of(select.prewhere));
  for (const [field, what] of [
    ['lateral_views', 'LATERAL VIEW'],
    ['cluster_by', 'CLUSTER BY'],
    ['distribute_by', 'DISTRIBUTE BY'],
    ['sort_by', 'SORT BY'],
    ['named_window', 'WINDOW'],
    ['connect_by', 'CONNECT BY'],
  ] as const) {
    const v = select[field];
    if (Array.isArray(v) ? v.length > 0 : v != null) throw unsupported(what, P.of(v) ?? at);
  }
}
