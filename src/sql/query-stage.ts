/**
 * The part of a query that runs in the source actor, before routing, compiled once per query:
 * WHERE, then either the projection (and ORDER BY) of a plain query, or — for a GROUP BY query —
 * the group values, the aggregate arguments and the sink key each row will update (the shard
 * owning that key aggregates, see group-aggregator.ts). Every row keeps its source offset.
 */
import type { RowBatch, RowStage } from '../plan/operators.js';
import type { Row } from '../sink/row-encoder.js';
import type { EvalContext, ExprFn } from './compiled.js';
import { SqlEvalError } from './errors.js';
import { type SortKey, sortBatch } from './order-by.js';

/** Calls `fn` for a row, adding the row's position to an evaluation error. */
function located(
  e: unknown,
  partition: string | readonly string[],
  offsets: readonly number[],
  i: number,
): unknown {
  if (e instanceof SqlEvalError)
    return e.locate(typeof partition === 'string' ? partition : partition[i], offsets[i]);
  return e;
}

/**
 * A stage's per-row work without the time stamp: what a lookup join (join-stage.ts) runs once the
 * batch's lookups are back. `rows` are source rows, or joined rows (relation.ts) when the query
 * joins lookup tables.
 */
export interface BatchEvaluator {
  /** Shared by the query's closures; `now` is set once per batch before {@link evaluate}. */
  readonly ctx: EvalContext;
  /** `kinds`: the rows' kinds (undefined: all inserts); a row a WHERE drops takes its kind along. */
  evaluate(
    rows: readonly unknown[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch;
}

/** WHERE + SELECT (+ ORDER BY) of a query without GROUP BY. */
export class ProjectStage implements RowStage, BatchEvaluator {
  /** Every output column null, in order: output rows are copies of it, so they share one shape. */
  readonly #template: Record<string, unknown>;

  constructor(
    readonly ctx: EvalContext,
    private readonly where: ExprFn | undefined,
    /** Output column names, in sink column order. */
    private readonly names: readonly string[],
    private readonly values: readonly ExprFn[],
    private readonly order: readonly SortKey[],
  ) {
    this.#template = Object.fromEntries(names.map((n) => [n, null]));
  }

  apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch {
    this.ctx.now = new Date();
    return this.evaluate(rows, partition, offsets, kinds);
  }

  evaluate(
    rows: readonly unknown[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch {
    const { where, names, values } = this;
    const template = this.#template;
    const single = typeof partition === 'string';
    const out: RowBatch = { rows: [], partition: single ? partition : [], offsets: [] };
    const sources: unknown[] | undefined = this.order.length > 0 ? [] : undefined;
    const kept = kinds === undefined ? undefined : new Uint8Array(rows.length);
    const m = names.length;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      try {
        // A retraction passes where its row passes: it retracts what that row's insert wrote.
        if (where !== undefined && where(r) !== true) continue;
        const o = { ...template };
        for (let j = 0; j < m; j++) o[names[j]] = values[j](r);
        if (kept !== undefined) kept[out.rows.length] = kinds![i];
        out.rows.push(o);
      } catch (e) {
        throw located(e, partition, offsets, i);
      }
      out.offsets.push(offsets[i]);
      if (!single) (out.partition as string[]).push(partition[i]);
      sources?.push(r);
    }
    if (kept !== undefined) out.kinds = kept.subarray(0, out.rows.length);
    if (sources !== undefined) sortBatch(this.order, out, sources as Row[]);
    return out;
  }
}

/**
 * A row on its way to a GROUP BY aggregation: its group values, the arguments of each
 * aggregate, and `key` — the sink key column's value, computed from the group values, by which
 * the router sends it to the shard that owns the group.
 */
export class GroupInput {
  constructor(
    readonly key: unknown,
    readonly groups: unknown[],
    readonly args: unknown[],
  ) {}
}

/** WHERE + group values + aggregate arguments of a GROUP BY query. */
export class GroupInputStage implements RowStage, BatchEvaluator {
  constructor(
    readonly ctx: EvalContext,
    private readonly where: ExprFn | undefined,
    private readonly groups: readonly ExprFn[],
    /** Undefined for COUNT(*). */
    private readonly args: readonly (ExprFn | undefined)[],
    /** The sink key from the group values (undefined: the sink has no key column). */
    private readonly key: ExprFn | undefined,
  ) {}

  apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch {
    this.ctx.now = new Date();
    return this.evaluate(rows, partition, offsets, kinds);
  }

  evaluate(
    rows: readonly unknown[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch {
    const { where, groups, args, key } = this;
    const single = typeof partition === 'string';
    const out: RowBatch = { rows: [], partition: single ? partition : [], offsets: [] };
    const kept = kinds === undefined ? undefined : new Uint8Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      try {
        if (where !== undefined && where(r) !== true) continue;
        const g = new Array(groups.length);
        for (let j = 0; j < groups.length; j++) g[j] = groups[j](r);
        const a = new Array(args.length);
        for (let j = 0; j < args.length; j++) a[j] = args[j]?.(r);
        if (kept !== undefined) kept[out.rows.length] = kinds![i];
        out.rows.push(new GroupInput(key === undefined ? undefined : key(g), g, a));
      } catch (e) {
        throw located(e, partition, offsets, i);
      }
      out.offsets.push(offsets[i]);
      if (!single) (out.partition as string[]).push(partition[i]);
    }
    if (kept !== undefined) out.kinds = kept.subarray(0, out.rows.length);
    return out;
  }
}
