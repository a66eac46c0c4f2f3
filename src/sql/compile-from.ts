/**
 * The FROM clause of a pipeline query: one stream (a source table), optionally enriched from Redis
 * lookup tables (docs/lookup.md):
 *
 * ```sql
 * FROM <source> [[AS] s]
 *   [LEFT [OUTER] | INNER] JOIN <lookup table> [[AS] t] ON <expression over s> = t.<key column>
 *   ...                                          (each further join may also read earlier ones)
 * ```
 *
 * The condition is one equality, in either order, between the lookup table's key column and an
 * expression over the stream (and the tables joined before); its value's text is the Redis key.
 * Anything else — RIGHT/FULL/CROSS joins, USING, NATURAL, a non-equality, several conditions, a
 * value column in the condition, two streams, a lookup table as the stream — is refused here with
 * the position of the problem.
 */
import type { LookupTable } from '../lookup/model.js';
import { commonType } from '../schema/expr-type.js';
import type { SinkTable } from '../sink/model.js';
import { compileExpr } from './compile-expr.js';
import { type EvalContext, typeError, unsupported } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { type LookupJoin, type Relation, relationScope, resolveColumn, tableLabel } from './relation.js';
import type { SourceSchema } from './source-scope.js';
import { type Ident, identMatches, identOf, isNode, type Node, type Positions, variantOf } from './tree.js';

/** The tables a FROM clause may name. */
export interface FromTables {
  sources: ReadonlyMap<string, SourceSchema>;
  sinks: ReadonlyMap<string, SinkTable>;
  lookups: ReadonlyMap<string, LookupTable>;
}

/** What a join operator of the parser's tree means here. */
const JOIN_KINDS: Readonly<Record<string, 'left' | 'inner'>> = {
  Join: 'inner',
  Inner: 'inner',
  Left: 'left',
  LeftOuter: 'left',
};

const REFUSED_JOINS: Readonly<Record<string, string>> = {
  Right: 'RIGHT JOIN',
  RightOuter: 'RIGHT JOIN',
  FullOuter: 'FULL JOIN',
  CrossJoin: 'CROSS JOIN',
  CrossApply: 'CROSS APPLY',
  OuterApply: 'OUTER APPLY',
  Semi: 'SEMI JOIN',
  LeftSemi: 'SEMI JOIN',
  RightSemi: 'SEMI JOIN',
  Anti: 'ANTI JOIN',
  LeftAnti: 'ANTI JOIN',
  RightAnti: 'ANTI JOIN',
  AsOf: 'ASOF JOIN',
  StraightJoin: 'STRAIGHT_JOIN',
};

const SHAPE = 'FROM <stream> [LEFT | INNER] JOIN <lookup table> ON <stream column> = <lookup>.<key column>';

/** Looks a name up in a map of declared tables (case-insensitively unless quoted). */
export function lookupName<T>(map: ReadonlyMap<string, T>, id: Ident): T | undefined {
  const exact = map.get(id.value);
  if (exact !== undefined) return exact;
  for (const [name, v] of map) if (identMatches(id, name)) return v;
  return undefined;
}

/** The one identifier of a table name (`TableName` node, or an ObjectName array). */
export function singleName(table: unknown, P: Positions, what: string): Ident {
  const parts =
    isNode(table) && Array.isArray(table.TableName) ? table.TableName : Array.isArray(table) ? table : [];
  const ids = parts.map(identOf);
  if (ids.length !== 1 || ids[0] === undefined)
    throw unsupported(`a qualified name for ${what}`, P.of(table));
  return ids[0];
}

/**
 * Compiles the FROM clause of a SELECT: the stream, and each lookup join with its key.
 *
 * @throws SqlQueryError with the position of the problem.
 */
export function compileFrom(select: Node, tables: FromTables, P: Positions, ctx: EvalContext): Relation {
  const from = Array.isArray(select.from) ? (select.from as Node[]) : [];
  if (from.length !== 1) {
    throw from.length === 0
      ? new SqlQueryError('shape', 'the SELECT needs FROM <source table>', P.of(select.projection))
      : unsupported(`reading several tables (FROM a, b); a stream is enriched with ${SHAPE}`, P.of(from[1]));
  }
  const stream = namedTable(from[0].relation, P, 'the stream');
  const source = lookupName(tables.sources, stream.id);
  if (source === undefined) throw notAStream(stream.id, tables, P);
  const joins = Array.isArray(from[0].joins) ? (from[0].joins as Node[]) : [];
  // First every joined table (so that names resolve), then each join's key.
  const heads = joins.map((join) => joinHead(join, tables, P));
  const rel: Relation = {
    source,
    alias: stream.alias,
    joins: heads.map((h) => ({ ...h, key: () => null, reads: [] })),
  };
  const labels = new Set<string>();
  for (let t = 0; t <= heads.length; t++) {
    const label = tableLabel(rel, t).toLowerCase();
    if (labels.has(label)) {
      throw new SqlQueryError(
        'shape',
        `'${tableLabel(rel, t)}' names two tables of this FROM clause; give one of them another alias (JOIN ${heads[t - 1].table.name} AS ...)`,
        heads[t - 1].position,
      );
    }
    labels.add(label);
  }
  const compiled: LookupJoin[] = heads.map((h, j) => ({ ...h, ...joinKey(rel, j, h.condition, P, ctx) }));
  return { ...rel, joins: compiled };
}

interface NamedTable {
  id: Ident;
  alias: string | undefined;
}

function namedTable(relation: unknown, P: Positions, what: string): NamedTable {
  const table = isNode(relation) && isNode(relation.Table) ? relation.Table : undefined;
  if (table === undefined) {
    throw unsupported(
      `${what === 'the stream' ? 'FROM' : 'JOIN'} ${variantOf(relation)} (subqueries, functions)`,
      P.of(relation),
    );
  }
  if (table.args != null) throw unsupported('table functions', P.of(relation));
  const id = singleName(table.name, P, what);
  const alias = isNode(table.alias) ? identOf(table.alias.name)?.value : undefined;
  return { id, alias };
}

function notAStream(id: Ident, tables: FromTables, P: Positions): SqlQueryError {
  if (lookupName(tables.lookups, id) !== undefined) {
    return new SqlQueryError(
      'shape',
      `cannot read from '${id.value}': it is a lookup table (Redis is not a stream source); enrich a stream with it: ${SHAPE}`,
      P.of(id.node),
    );
  }
  const isSink = lookupName(tables.sinks, id) !== undefined;
  return new SqlQueryError(
    'unknown-table',
    isSink
      ? `cannot read from '${id.value}': it is a sink table (Redis tables are write-only here)`
      : `table '${id.value}' is not declared in the script (source tables: ${[...tables.sources.keys()].join(', ') || 'none'})`,
    P.of(id.node),
  );
}

interface JoinHead {
  table: LookupTable;
  alias: string | undefined;
  kind: 'left' | 'inner';
  position: ReturnType<Positions['of']>;
  condition: unknown;
}

function joinHead(join: Node, tables: FromTables, P: Positions): JoinHead {
  const named = namedTable(join.relation, P, 'a joined table');
  const position = P.of(named.id.node);
  const operator = join.join_operator;
  const variant = variantOf(operator);
  const kind = JOIN_KINDS[variant];
  if (kind === undefined) {
    const what = REFUSED_JOINS[variant] ?? `${variant} join`;
    throw unsupported(`${what} (a lookup table is joined with [LEFT | INNER] JOIN ... ON)`, position);
  }
  const table = lookupName(tables.lookups, named.id);
  if (table === undefined) {
    if (lookupName(tables.sources, named.id) !== undefined) {
      throw unsupported(
        `joining two streams ('${named.id.value}' is a source table; only lookup tables — CREATE TEMPORARY TABLE or type = 'lookup' — can be joined)`,
        position,
      );
    }
    if (lookupName(tables.sinks, named.id) !== undefined) {
      throw new SqlQueryError(
        'unknown-table',
        `cannot join '${named.id.value}': it is a sink table (only lookup tables can be joined)`,
        position,
      );
    }
    throw new SqlQueryError(
      'unknown-table',
      `table '${named.id.value}' is not declared in the script (lookup tables: ${[...tables.lookups.keys()].join(', ') || 'none'})`,
      position,
    );
  }
  const constraint = isNode(operator) ? operator[variant] : undefined;
  if (!isNode(constraint) || constraint.On === undefined) {
    const what =
      constraint === 'Natural'
        ? 'NATURAL JOIN'
        : isNode(constraint) && constraint.Using !== undefined
          ? 'JOIN ... USING'
          : 'a JOIN without ON';
    throw unsupported(
      `${what}: join ${table.name} with ON <stream column> = ${named.alias ?? table.name}.${table.keyColumn}`,
      position,
    );
  }
  return { table, alias: named.alias, kind, position, condition: constraint.On };
}

/** Compiles join `j`'s condition into its key expression (over the joined row) and what it reads. */
function joinKey(
  rel: Relation,
  j: number,
  condition: unknown,
  P: Positions,
  ctx: EvalContext,
): { key: LookupJoin['key']; reads: number[] } {
  const join = rel.joins[j];
  const label = tableLabel(rel, j + 1);
  const keyRef = `${label}.${join.table.keyColumn}`;
  let on = condition;
  while (variantOf(on) === 'Nested') on = (on as Node).Nested;
  const at = P.of(on);
  const op = variantOf(on) === 'BinaryOp' ? ((on as Node).BinaryOp as Node) : undefined;
  if (op === undefined || op.op !== 'Eq') {
    const what =
      op?.op === 'And' || op?.op === 'Or'
        ? `several conditions (${String(op.op).toUpperCase()}); put the others in WHERE`
        : op !== undefined
          ? `the operator ${String(op.op)}`
          : `a ${variantOf(on)} condition`;
    throw unsupported(
      `${what} in a lookup join: the condition is one equality, <stream expression> = ${keyRef}`,
      at,
    );
  }
  // Which side names the joined table's key column (either order is fine).
  const sides = [op.left, op.right];
  const isJoined = sides.map((side) => {
    const parts = columnParts(side);
    if (parts === undefined) return false;
    const r = resolveColumn(rel, parts, P.of(side), j + 2);
    if (r.table !== j + 1) return false;
    if (r.column.name !== join.table.keyColumn) {
      throw new SqlQueryError(
        'shape',
        `the lookup join compares '${label}.${r.column.name}', a value column of ${join.table.name}: a lookup table is read by its key column, so the condition is <stream expression> = ${keyRef}`,
        P.of(side),
      );
    }
    return true;
  });
  if (isJoined[0] === isJoined[1]) {
    throw new SqlQueryError(
      'shape',
      isJoined[0]
        ? `the lookup join compares ${keyRef} with itself: compare it with a value of the stream`
        : `the lookup join's condition must compare ${keyRef} (the key column of ${join.table.name}) with a value of the stream`,
      at,
    );
  }
  const other = isJoined[0] ? op.right : op.left;
  const reads = new Set<number>();
  const scope = relationScope(rel, P, ctx, 'a JOIN condition', {
    visible: j + 1,
    onRead: (t) => {
      if (t > 0) reads.add(t - 1);
    },
  });
  const value = compileExpr(other, scope);
  const keyType = join.table.columns.find((c) => c.name === join.table.keyColumn)!.type;
  if (commonType(value.type, keyType) === undefined) {
    throw typeError(
      `cannot join on ${keyRef}: ${keyType} and ${value.type} do not match (use CAST(... AS ${keyType}))`,
      P.of(other),
    );
  }
  return { key: value.fn, reads: [...reads].sort((a, b) => a - b) };
}

/** The parts of a column reference (`col`, `t.col`), or undefined for any other expression. */
function columnParts(node: unknown): Ident[] | undefined {
  let n = node;
  while (variantOf(n) === 'Nested') n = (n as Node).Nested;
  if (variantOf(n) === 'Identifier') {
    const id = identOf((n as Node).Identifier);
    return id === undefined ? undefined : [id];
  }
  if (variantOf(n) === 'CompoundIdentifier') {
    const parts = ((n as Node).CompoundIdentifier as unknown[]).map(identOf);
    return parts.every((p) => p !== undefined) ? (parts as Ident[]) : undefined;
  }
  return undefined;
}
