import type { SqlPosition } from '../schema/errors.js';
import { keyFromTemplate, parseKeyTemplate } from '../sink/key-template.js';
import { keyColumnOf, keyPrefixOf, type SinkTable } from '../sink/model.js';
import { keyTemplateOf, writerOf } from '../sink/writers/index.js';
import { type AggregateFn, aggregateFn } from './aggregates.js';
import { compileCondition, compileExpr, type Scope } from './compile-expr.js';
import { type OrderItem, outputRef, sortKey } from './compile-order-by.js';
import type { QueryPlan } from './compile-query.js';
import { type EvalContext, type ExprFn, typeError, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { GroupAggregatorFactory } from './group-aggregator.js';
import { GroupInputStage } from './query-stage.js';
import { type Relation, relationScope, tryResolveColumn } from './relation.js';
import { checkTarget, containsAggregate, type Item, type Target } from './select-list.js';
import { fingerprint, identMatches, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';

/** The GROUP BY expressions of a SELECT (empty without GROUP BY). */
export function groupByNodes(select: Node, P: Positions): unknown[] {
  const g = select.group_by;
  if (g == null) return [];
  if (!isNode(g) || !Array.isArray(g.Expressions)) throw unsupported('GROUP BY ALL', P.of(g));
  const [exprs, modifiers] = g.Expressions as [unknown[], unknown[]];
  if (Array.isArray(modifiers) && modifiers.length > 0)
    throw unsupported('GROUP BY modifiers (ROLLUP, CUBE, ...)', P.of(g));
  return exprs;
}

/** What the query compiler has gathered when it plans a GROUP BY query. */
export interface GroupedInput {
  sink: SinkTable;
  rel: Relation;
  items: Item[];
  targets: Target[];
  groupBy: unknown[];
  orderBy: OrderItem[];
  where: ExprFn | undefined;
  /** The HAVING condition's node, if any. */
  having?: unknown;
  ctx: EvalContext;
  P: Positions;
}

/**
 * Plans a GROUP BY query (or one with aggregates and no GROUP BY: one group).
 *
 * @throws SqlQueryError for columns outside GROUP BY, a key or field from an aggregate, an
 *   exactly-once sink, misplaced aggregates, and type errors.
 */
export function groupedPlan(g: GroupedInput): Omit<QueryPlan, 'lookups'> {
  const { sink, rel, items, targets, P, ctx } = g;
  checkGroupedDelivery(sink, P.of(g.groupBy) ?? items[0]?.position);
  const changelog = rel.source.changelog;
  if (changelog === 'upsert') {
    throw new SqlQueryError(
      'shape',
      `GROUP BY over source '${rel.source.name}' is not supported: its updates carry the new row alone ('source.updates' = 'upsert'), so the old row could not be taken out of its group; set 'source.updates' = 'retract' (updates with their before image)`,
      P.of(g.groupBy) ?? items[0]?.position,
    );
  }
  const groupScope = relationScope(rel, P, ctx, 'GROUP BY');
  const argScope = relationScope(rel, P, ctx, 'an aggregate argument');
  const keyOf = (node: unknown): string => {
    const kind = variantOf(node);
    if (kind === 'Identifier' || kind === 'CompoundIdentifier') {
      const parts =
        kind === 'Identifier'
          ? [identOf((node as Node).Identifier)!]
          : ((node as Node).CompoundIdentifier as unknown[]).map((p) => identOf(p)!);
      const col = tryResolveColumn(rel, parts);
      if (col !== undefined) return `column:${col.table}:${col.column.name}`;
    }
    return fingerprint(node);
  };
  // GROUP BY items: expressions, select item ordinals, or select item aliases.
  const groupNodes = g.groupBy.map((node) => {
    const v = variantOf(node) === 'Value' ? ((node as Node).Value as Node).value : undefined;
    if (isNode(v) && Array.isArray(v.Number)) {
      const n = Number(v.Number[0]);
      const item = items[n - 1];
      if (!Number.isInteger(n) || item === undefined) {
        throw new SqlQueryError(
          'shape',
          `GROUP BY ${v.Number[0]}: there are ${items.length} select items`,
          P.of(node),
        );
      }
      if (containsAggregate(item.node)) {
        throw new SqlQueryError('shape', `GROUP BY ${n} refers to an aggregate`, P.of(node));
      }
      return item.node;
    }
    if (variantOf(node) === 'Identifier') {
      const id = identOf((node as Node).Identifier)!;
      const item = items.find((i) => i.alias !== undefined && identMatches(i.alias, id.value));
      if (tryResolveColumn(rel, [id]) === undefined && item !== undefined && !containsAggregate(item.node)) {
        return item.node;
      }
    }
    return node;
  });
  const groups = groupNodes.map((n) => compileExpr(n, groupScope));
  const groupKeys = groupNodes.map(keyOf);
  const G = groups.length;
  const aggregates: Array<{ key: string; fn: AggregateFn; arg: ExprFn | undefined }> = [];
  let aggregateCalls = 0;
  const outScope: Scope = {
    positions: P,
    ctx,
    clause: 'the select list',
    match(node) {
      const j = groupKeys.indexOf(keyOf(node));
      return j < 0 ? undefined : { type: groups[j].type, fn: (r) => r[j], position: P.of(node) };
    },
    column(parts, node) {
      groupScope.column(parts, node); // an unknown column is reported as such
      throw new SqlQueryError(
        'shape',
        `column '${parts.map((p) => p.value).join('.')}' must appear in GROUP BY or be used in an aggregate function`,
        P.of(node),
      );
    },
    aggregate(name, args, position) {
      aggregateCalls++;
      if (args.length !== 1) throw typeError(`${name} takes one argument, got ${args.length}`, position);
      const node = args[0];
      const arg = node === 'Wildcard' ? undefined : compileExpr(node, argScope);
      if (changelog !== undefined && (name === 'MIN' || name === 'MAX')) {
        throw new SqlQueryError(
          'shape',
          `${name} over changelog source '${rel.source.name}' is not supported: its state keeps one value per group, and a retracted row could be that value; use COUNT, SUM or AVG`,
          position,
        );
      }
      const key = `${name}(${node === 'Wildcard' ? '*' : keyOf(node)})`;
      let k = aggregates.findIndex((a) => a.key === key);
      if (k < 0) {
        k = aggregates.length;
        aggregates.push({ key, fn: aggregateFn(name, arg, position), arg: arg?.fn });
      }
      const index = G + k;
      return { type: aggregates[k].fn.resultType, fn: (r) => r[index], position };
    },
  };
  const usesAggregate: boolean[] = [];
  const values = items.map((item, j) => {
    const before = aggregateCalls;
    const c = checkTarget(compileExpr(item.node, outScope), targets[j], sink, item);
    usesAggregate.push(aggregateCalls > before);
    return c;
  });
  const having = g.having === undefined ? undefined : compileHaving(g, outScope);
  const names = targets.map((t) => t.name);
  const t = sink.target;
  const keyColumn = keyColumnOf(t);
  const template = keyTemplateOf(t);
  const parsed = template === undefined ? undefined : parseKeyTemplate(template);
  const templateColumns = parsed === undefined || typeof parsed === 'string' ? [] : [...parsed.columns];
  const roles: [string, string][] = [
    ...(keyColumn === undefined ? [] : [['key', keyColumn] as [string, string]]),
    ...templateColumns.map((c) => ['key template', c] as [string, string]),
    ...writerOf(t)
      .identityColumns(t)
      .map((c) => ['field', c] as [string, string]),
  ];
  let key: ExprFn | undefined;
  const keyParts: ExprFn[] = [];
  for (const [role, column] of roles) {
    const j = names.indexOf(column);
    if (j < 0) {
      throw new SqlQueryError(
        'shape',
        `the query does not write ${sink.name}'s ${role} column '${column}'`,
        items[0]?.position,
      );
    }
    if (usesAggregate[j]) {
      throw new SqlQueryError(
        'shape',
        `${sink.name}'s ${role} column '${column}' is computed from an aggregate: with GROUP BY, the Redis key (and hash field or member) must be computed from GROUP BY columns, so that every row of a group updates the same key`,
        items[j].position,
      );
    }
    if (role === 'key') key = values[j].fn;
    if (role === 'key template') keyParts.push(values[j].fn);
  }
  if (parsed !== undefined && typeof parsed !== 'string') {
    // The whole key, made as the sink will make it: groups are routed by its slot.
    key = (r) =>
      keyFromTemplate(
        parsed,
        keyParts.map((fn) => fn(r)),
      );
  }
  const itemKeys = items.map((i) => keyOf(i.node));
  const order = g.orderBy.map((o) => {
    let j = outputRef(o, items, names);
    if (j === undefined) j = itemKeys.indexOf(keyOf(o.expr));
    if (j < 0) {
      throw new SqlQueryError(
        'shape',
        'ORDER BY of a GROUP BY query must name a select item (it orders the updates emitted for each batch)',
        o.position,
      );
    }
    const name = names[j];
    return sortKey(o, values[j].type, (_src, out) => (out as Record<string, unknown>)[name]);
  });
  const prefix = keyPrefixOf(t);
  const keyed = key !== undefined;
  const fingerprintText = JSON.stringify({
    groups: groups.map((c) => c.type),
    aggregates: aggregates.map((a) => a.fn.label),
  });
  const factory = new GroupAggregatorFactory({
    fingerprint: fingerprintText,
    ctx,
    groupTypes: groups.map((c) => c.type),
    aggregates: aggregates.map((a) => a.fn),
    names,
    values: values.map((v) => v.fn),
    order,
    keyPrefix: prefix,
    keyed,
    having,
    changelog: sink.mode === 'upsert',
  });
  const routing: SinkTable = {
    ...sink,
    format: 'raw',
    valueColumn: 'key',
    schema: undefined,
    target: { type: 'string', keyPrefix: prefix, keyColumn: keyed ? 'key' : undefined },
  };
  return {
    source: rel.source.name,
    sink: sink.name,
    stage: new GroupInputStage(
      ctx,
      g.where,
      groups.map((c) => c.fn),
      aggregates.map((a) => a.arg),
      keyed ? key : undefined,
    ),
    aggregate: { factory, routing },
    ordered: order.length > 0,
  };
}

/**
 * HAVING filters groups over their values and aggregates (a call not in the select list is
 * aggregated too). A group that stops matching is deleted from Redis, which only an `upsert`
 * table does; an `append` table would keep its last row.
 */
function compileHaving(g: GroupedInput, scope: Scope): ExprFn {
  if (g.sink.mode !== 'upsert') {
    throw new SqlQueryError(
      'shape',
      `HAVING into table '${g.sink.name}' needs 'sink.mode' = 'upsert': a group that stops matching is deleted from Redis, and an 'append' table never deletes`,
      g.P.of(g.having),
    );
  }
  return compileCondition(g.having, { ...scope, clause: 'HAVING' }).fn;
}

/**
 * GROUP BY writes upserts recomputed from state: after a recovery the same group is written
 * again from the restored state, which is right for an upsert but cannot be fenced, so only
 * at-least-once tables take it; a list or stream records every update, so it must ask for that;
 * a counter or set would add every update to the last, so it is refused.
 */
function checkGroupedDelivery(sink: SinkTable, position: SqlPosition | undefined): void {
  const writer = writerOf(sink.target);
  const kind = writer.title.toLowerCase();
  const writes = writer.groupedWrites(sink.target);
  if (writes === 'refuse') {
    throw new SqlQueryError(
      'shape',
      `GROUP BY into ${kind} table '${sink.name}' is not supported: a group's value is written again on every change, and this table does not replace what the group wrote last (it adds to it — an increment, a member — or, with a write mode, keeps an earlier value); write into a string, a hash, or a sorted set in the 'replace' score mode, without a write mode`,
      position,
    );
  }
  if (sink.delivery !== 'exactly_once') return;
  if (writes === 'append') {
    throw new SqlQueryError(
      'shape',
      `GROUP BY into ${kind} table '${sink.name}' needs 'sink.delivery' = 'at_least_once': the ${kind} records every update of a group, and updates recomputed after a recovery (from the restored state, with other batch boundaries) cannot be fenced exactly once`,
      position,
    );
  }
  throw new SqlQueryError(
    'shape',
    `GROUP BY into exactly-once table '${sink.name}' is not supported: a group's value is an upsert recomputed from checkpointed state, which is exact with at-least-once delivery (the default for strings, hashes and sorted sets that replace scores); remove 'sink.delivery' = 'exactly_once'`,
    position,
  );
}
