import type { SqlPosition } from '../schema/errors.js';
import { assignable } from '../schema/expr-type.js';
import type { SqlType } from '../schema/sql-type.js';
import type { SinkTable } from '../sink/model.js';
import { type Compiled, typeError, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { isAggregateName } from './functions.js';
import { type Relation, tableColumns, tableLabel, tryResolveColumn } from './relation.js';
import { findColumn } from './source-scope.js';
import { type Ident, identMatches, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';

/** A select item after `*` expansion. */
export interface Item {
  node: unknown;
  /** Alias, or the column's name for a plain column reference. */
  name: string | undefined;
  alias: Ident | undefined;
  position: SqlPosition | undefined;
}

/** A sink column a select item is written to (`type` undefined for a sink without columns). */
export interface Target {
  name: string;
  type: SqlType | undefined;
}

/**
 * The select items, `*` expanded to the columns of every table of the FROM clause (the stream's,
 * then each joined lookup table's, in declared order) and `table.*` to that table's.
 */
export function selectItems(select: Node, rel: Relation, P: Positions): Item[] {
  const tables = rel.joins.length + 1;
  const joined = tables > 1;
  const items: Item[] = [];
  for (const p of select.projection as unknown[]) {
    const kind = variantOf(p);
    const body = (p as Node)[kind];
    const position = P.of(p);
    if (kind === 'Wildcard' || kind === 'QualifiedWildcard') {
      let only: number | undefined;
      if (kind === 'QualifiedWildcard') {
        const [qualifier] = body as unknown[];
        const q =
          isNode(qualifier) && Array.isArray(qualifier.ObjectName) ? qualifier.ObjectName.map(identOf) : [];
        const t =
          q.length === 1 && q[0] !== undefined
            ? Array.from({ length: tables }, (_, k) => k).find((k) => identMatches(q[0]!, tableLabel(rel, k)))
            : undefined;
        if (t === undefined) {
          throw new SqlQueryError(
            'unknown-table',
            `'${q.map((i) => i?.value).join('.')}.*' does not name ${joined ? 'a table of this query' : 'the table read'}`,
            position,
          );
        }
        only = t;
      }
      for (let t = 0; t < tables; t++) {
        if (only !== undefined && t !== only) continue;
        const label = tableLabel(rel, t);
        for (const c of tableColumns(rel, t)) {
          const column = { value: c.name, quote_style: '"' };
          items.push({
            node: joined
              ? { CompoundIdentifier: [{ value: label, quote_style: '"' }, column] }
              : { Identifier: column },
            name: c.name,
            alias: undefined,
            position,
          });
        }
      }
    } else if (kind === 'UnnamedExpr') {
      const parts =
        variantOf(body) === 'Identifier'
          ? [identOf((body as Node).Identifier)]
          : variantOf(body) === 'CompoundIdentifier'
            ? ((body as Node).CompoundIdentifier as unknown[]).map(identOf)
            : [];
      const id = parts.at(-1);
      const column =
        id === undefined || parts.some((p) => p === undefined)
          ? undefined
          : tryResolveColumn(rel, parts as Ident[])?.column;
      items.push({ node: body, name: column?.name ?? id?.value, alias: undefined, position });
    } else if (kind === 'ExprWithAlias') {
      const a = identOf((body as Node).alias)!;
      items.push({ node: (body as Node).expr, name: a.value, alias: a, position: P.of((body as Node).expr) });
    } else {
      throw unsupported(`the select item ${kind}`, position);
    }
  }
  return items;
}

/** The sink columns the items are written to, by position. */
export function targetColumns(insert: Node, sink: SinkTable, items: readonly Item[], P: Positions): Target[] {
  const schema = sink.schema;
  const listed = Array.isArray(insert.columns) ? (insert.columns as unknown[]) : [];
  let targets: Target[];
  if (listed.length > 0) {
    targets = listed.map((c) => {
      const id = identOf(Array.isArray(c) ? c[0] : c)!;
      if (schema === undefined) return { name: id.value, type: undefined };
      const col = findColumn(schema, id);
      if (col === undefined) {
        throw new SqlQueryError(
          'unknown-column',
          `column '${id.value}' is not a column of ${sink.name} (columns: ${schema.map((s) => s.name).join(', ')})`,
          P.of(id.node),
        );
      }
      return { name: col.name, type: col.type };
    });
  } else if (schema !== undefined) {
    targets = schema.map((c) => ({ name: c.name, type: c.type }));
  } else {
    targets = items.map((item, j) => {
      if (item.name === undefined) {
        throw new SqlQueryError(
          'shape',
          `select item ${j + 1} needs a name (AS column): table ${sink.name} declares no columns, so items are written under their names`,
          item.position,
        );
      }
      return { name: item.name, type: undefined };
    });
  }
  if (targets.length !== items.length) {
    throw new SqlQueryError(
      'type',
      `INSERT INTO ${sink.name} writes ${targets.length} column${targets.length === 1 ? '' : 's'} (${targets.map((t) => t.name).join(', ')}) but the SELECT gives ${items.length}`,
      items[Math.min(items.length, targets.length)]?.position ?? items[0]?.position,
    );
  }
  items.forEach((item, j) => {
    if (item.alias !== undefined && !identMatches(item.alias, targets[j].name)) {
      throw new SqlQueryError(
        'shape',
        `select item ${j + 1} is named '${item.alias.value}' but is written to column '${targets[j].name}' of ${sink.name} (INSERT writes select items to columns by position)`,
        P.of(item.alias.node) ?? item.position,
      );
    }
  });
  return targets;
}

/** Checks that a compiled item fits its sink column's type; returns it. */
export function checkTarget(c: Compiled, target: Target, sink: SinkTable, item: Item): Compiled {
  if (target.type !== undefined && !assignable(c.type, target.type)) {
    throw typeError(
      `column '${target.name}' of ${sink.name} is ${target.type}, but the value written to it is ${c.type} (use CAST(... AS ${target.type}))`,
      item.position ?? c.position,
    );
  }
  return c;
}

/** Whether an expression tree calls an aggregate function. */
export function containsAggregate(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsAggregate);
  if (!isNode(node)) return false;
  if (isNode(node.Function)) {
    const name = Array.isArray(node.Function.name) ? identOf(node.Function.name[0])?.value : undefined;
    if (name !== undefined && isAggregateName(name.toUpperCase())) return true;
  }
  return Object.values(node).some((v) => v !== null && typeof v === 'object' && containsAggregate(v));
}
