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
import type { RowStage, ShardOperatorFactory } from '../actors/operators.js';
import type { SinkTable } from '../sink/model.js';
import { compileCondition, compileExpr } from './compile-expr.js';
import { groupByNodes, groupedPlan } from './compile-group-by.js';
import { orderByItems, plainSortKey } from './compile-order-by.js';
import { EvalContext, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { ProjectStage } from './query-stage.js';
import { checkTarget, containsAggregate, selectItems, targetColumns } from './select-list.js';
import { type SourceSchema, sourceScope } from './source-scope.js';
import { type Ident, identMatches, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';

/** The tables a query may name. */
export interface QueryTables {
  sources: ReadonlyMap<string, SourceSchema>;
  sinks: ReadonlyMap<string, SinkTable>;
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
  const sink = lookup(tables.sinks, sinkId);
  if (sink === undefined) {
    const isSource = lookup(tables.sources, sinkId) !== undefined;
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
  const { source, alias } = fromTable(select, tables, P);
  const items = selectItems(select, source, alias, P);
  const targets = targetColumns(insert, sink, items, P);
  const groupBy = groupByNodes(select, P);
  const grouped = groupBy.length > 0 || items.some((i) => containsAggregate(i.node));
  const ctx = new EvalContext();
  const where =
    select.selection == null
      ? undefined
      : compileCondition(select.selection, sourceScope(source, alias, P, ctx, 'WHERE')).fn;
  const orderBy = orderByItems(query.order_by, P);
  if (orderBy.length > 0 && sink.delivery === 'exactly_once' && !source.replayableBatches && !grouped) {
    throw new SqlQueryError(
      'shape',
      `ORDER BY over source '${source.name}' into exactly-once table '${sink.name}' is not supported: its batches are not replayed with the same boundaries after a recovery, so sorted rows could not be fenced exactly once`,
      orderBy[0].position,
    );
  }
  if (!grouped) {
    const scope = sourceScope(source, alias, P, ctx, 'the select list');
    const values = items.map((item, j) => checkTarget(compileExpr(item.node, scope), targets[j], sink, item));
    const names = targets.map((t) => t.name);
    const order = orderBy.map((o) => plainSortKey(o, items, names, values, scope));
    return {
      source: source.name,
      sink: sink.name,
      stage: new ProjectStage(
        ctx,
        where,
        names,
        values.map((v) => v.fn),
        order,
      ),
      ordered: order.length > 0,
    };
  }
  return groupedPlan({ sink, source, alias, items, targets, groupBy, orderBy, where, ctx, P });
}

// ---------------------------------------------------------------------------------------------
// Clauses

function refuseClauses(select: Node, P: Positions): void {
  const at = P.of(select.projection);
  if (select.distinct != null) throw unsupported('SELECT DISTINCT', at);
  if (select.top != null) throw unsupported('TOP', at);
  if (select.into != null) throw unsupported('SELECT INTO', at);
  if (select.having != null) {
    throw unsupported(
      'HAVING (a group that stops matching could not be removed from Redis)',
      P.of(select.having),
    );
  }
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

function lookup<T>(map: ReadonlyMap<string, T>, id: Ident): T | undefined {
  const exact = map.get(id.value);
  if (exact !== undefined) return exact;
  for (const [name, v] of map) if (identMatches(id, name)) return v;
  return undefined;
}

/** The one identifier of a table name (`TableName` node, or an ObjectName array). */
function singleName(table: unknown, P: Positions, what: string): Ident {
  const parts =
    isNode(table) && Array.isArray(table.TableName) ? table.TableName : Array.isArray(table) ? table : [];
  const ids = parts.map(identOf);
  if (ids.length !== 1 || ids[0] === undefined)
    throw unsupported(`a qualified name for ${what}`, P.of(table));
  return ids[0];
}

function fromTable(
  select: Node,
  tables: QueryTables,
  P: Positions,
): { source: SourceSchema; alias: string | undefined } {
  const from = Array.isArray(select.from) ? (select.from as Node[]) : [];
  if (from.length !== 1) {
    throw from.length === 0
      ? new SqlQueryError('shape', 'the SELECT needs FROM <source table>', P.of(select.projection))
      : unsupported('reading several tables (joins)', P.of(from[1]));
  }
  if (Array.isArray(from[0].joins) && from[0].joins.length > 0)
    throw unsupported('JOIN', P.of(from[0].joins));
  const relation = from[0].relation;
  const table = isNode(relation) && isNode(relation.Table) ? relation.Table : undefined;
  if (table === undefined)
    throw unsupported(`FROM ${variantOf(relation)} (subqueries, functions)`, P.of(relation));
  const id = singleName(table.name, P, 'a source table');
  const source = lookup(tables.sources, id);
  if (source === undefined) {
    const isSink = lookup(tables.sinks, id) !== undefined;
    throw new SqlQueryError(
      'unknown-table',
      isSink
        ? `cannot read from '${id.value}': it is a sink table (Redis tables are write-only here)`
        : `table '${id.value}' is not declared in the script (source tables: ${[...tables.sources.keys()].join(', ') || 'none'})`,
      P.of(id.node),
    );
  }
  const aliasNode = isNode(table.alias) ? identOf(table.alias.name) : undefined;
  return { source, alias: aliasNode?.value };
}
