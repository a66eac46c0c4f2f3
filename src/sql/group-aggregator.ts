/**
 * GROUP BY as an updating aggregation, run by each shard of the sink table over the groups whose
 * sink key falls in its slot range (the router sends every row of a group to that shard, since
 * the key is computed from the group values). For each batch of input rows it updates the
 * groups' accumulators and emits one row per changed group — its current result — which the
 * string or hash sink writes as an upsert. The groups are the shard's operator state in every
 * checkpoint, and are restored with it: replayed rows then update the restored values, so the
 * results after a recovery are exact (never double-counted).
 *
 * Into an `upsert` table the rows carry kinds: a group's first row is `+I`, later ones `+U`, and a
 * group that stops matching HAVING, or whose every input row was retracted, is `-D` (its row,
 * whose key and field come from the group values, so the sink deletes what the group wrote).
 * Retracted input rows (`-U`, `-D`) take their values back out of the accumulators. Into an
 * `append` table the rows carry no kinds: every change is the group's current result, as before
 * changelogs existed, and a group that disappears leaves its last result in Redis.
 */
import { LaminarError } from '../errors.js';
import type { RowBatch, ShardOperator, ShardOperatorFactory } from '../plan/operators.js';
import type { SlotRange } from '../plan/router.js';
import { keySlot } from '../resp/cluster/key-slot.js';
import type { ExprType } from '../schema/expr-type.js';
import { text } from '../schema/text.js';
import { mapKeyOf } from '../schema/values.js';
import { isRetraction, ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER } from '../sink/changelog.js';
import type { Row } from '../sink/row-encoder.js';
import type { AggregateFn } from './aggregates.js';
import type { EvalContext, ExprFn } from './compiled.js';
import { SqlEvalError } from './errors.js';
import { type SortKey, sortBatch } from './order-by.js';
import type { GroupInput } from './query-stage.js';
import { decodeValue, encodeValue } from './state-codec.js';

/** A checkpoint's aggregate state was written by another query (the script changed). */
export class AggregateStateError extends LaminarError {
  constructor(message: string) {
    super('ERR_SQL_STATE', message);
  }
}

/** Everything a shard needs to aggregate one query's groups, compiled once per job. */
export interface AggregatePlan {
  /** Describes the query's groups and aggregates; state of another shape is refused. */
  fingerprint: string;
  ctx: EvalContext;
  groupTypes: readonly ExprType[];
  aggregates: readonly AggregateFn[];
  /** Output column names, and their values over `[...group values, ...aggregate results]`. */
  names: readonly string[];
  values: readonly ExprFn[];
  order: readonly SortKey[];
  /** Sink key prefix (the group's slot is that of `prefix + text(key)`). */
  keyPrefix: string;
  /** The sink has a key column (else every group has the key `prefix`). */
  keyed: boolean;
  /** HAVING over `[...group values, ...aggregate results]`; undefined: every group matches. */
  having?: ExprFn;
  /** Emit kinds (`+I`, `+U`, `-D`): the sink is an `upsert` table. */
  changelog: boolean;
}

/** One group: its values, accumulators and where it lives. */
interface Group {
  keys: unknown[];
  acc: unknown[];
  /** Slot of its sink key; -1 when the key has no text (a NULL key: routed to shard 0). */
  slot: number;
  /** Batch number that last changed it. */
  mark: number;
  /** Input rows in it: inserts minus retractions (Infinity for state from before this count). */
  rows: number;
  /** Its row is in Redis: it was last emitted matching HAVING. */
  shown: boolean;
  partition: string;
  offset: number;
}

/**
 * The JSON state of one shard: `groups` as `[slot, [group values], [accumulators], rows, shown]`
 * (the last two absent in checkpoints written before changelogs; `rows` null for Infinity).
 */
interface AggregateState {
  query: string;
  groups: Array<[number, unknown[], unknown[], (number | null)?, boolean?]>;
}

/** Builds the aggregator of each shard of a table. */
export class GroupAggregatorFactory implements ShardOperatorFactory {
  constructor(readonly plan: AggregatePlan) {}

  create(range: SlotRange, restored: readonly unknown[]): ShardOperator {
    return new GroupAggregator(this.plan, range, restored);
  }
}

class GroupAggregator implements ShardOperator {
  readonly #plan: AggregatePlan;
  readonly #groups = new Map<unknown, Group>();
  readonly #mapKey: (groups: readonly unknown[]) => unknown;
  #batch = 0;

  constructor(plan: AggregatePlan, range: SlotRange, restored: readonly unknown[]) {
    this.#plan = plan;
    const parts = plan.groupTypes.map(mapKeyOf);
    this.#mapKey =
      parts.length === 1
        ? (g) => parts[0](g[0])
        : (g) => JSON.stringify(g.map((v, j) => (v === null ? null : parts[j](v))));
    for (const state of restored) this.#restore(state, range);
  }

  apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch | null {
    const batch = ++this.#batch;
    const { aggregates } = this.#plan;
    const m = aggregates.length;
    const changed: Group[] = [];
    for (let i = 0; i < rows.length; i++) {
      const input = rows[i] as GroupInput;
      const retract = kinds !== undefined && isRetraction(kinds[i]);
      const k = this.#mapKey(input.groups);
      let g = this.#groups.get(k);
      if (g === undefined) {
        g = {
          keys: input.groups,
          acc: aggregates.map((a) => a.init()),
          slot: this.#slotOf(input.key),
          mark: 0,
          rows: 0,
          shown: false,
          partition: '',
          offset: 0,
        };
        this.#groups.set(k, g);
      }
      if (retract) {
        for (let j = 0; j < m; j++) {
          const a = aggregates[j];
          if (a.retract === undefined) throw this.#cannotRetract(a.label, partition, offsets, i);
          g.acc[j] = a.retract(g.acc[j], input.args[j]);
        }
        g.rows--;
      } else {
        for (let j = 0; j < m; j++) g.acc[j] = aggregates[j].step(g.acc[j], input.args[j]);
        g.rows++;
      }
      if (g.mark !== batch) {
        g.mark = batch;
        changed.push(g);
      }
      g.partition = typeof partition === 'string' ? partition : partition[i];
      g.offset = offsets[i];
    }
    return changed.length === 0
      ? null
      : this.#emit(changed, typeof partition === 'string' ? partition : undefined);
  }

  #cannotRetract(
    label: string,
    partition: string | readonly string[],
    offsets: readonly number[],
    i: number,
  ): SqlEvalError {
    return new SqlEvalError(
      `${label} cannot take back a retracted row (its state holds one value per group, not all of them); over a changelog source use COUNT, SUM or AVG`,
      undefined,
    ).locate(typeof partition === 'string' ? partition : partition[i], offsets[i]);
  }

  snapshot(): AggregateState {
    const { aggregates, groupTypes, fingerprint } = this.#plan;
    const groups: AggregateState['groups'] = [];
    for (const g of this.#groups.values()) {
      groups.push([
        g.slot,
        g.keys.map((v, j) => encodeValue(groupTypes[j], v)),
        g.acc.map((a, j) => aggregates[j].encode(a)),
        Number.isFinite(g.rows) ? g.rows : null,
        g.shown,
      ]);
    }
    return { query: fingerprint, groups };
  }

  /**
   * One output row per changed group, in first-change order (then ORDER BY, if any). With kinds:
   * `+I`/`+U` for a group that matches HAVING, `-D` for one shown before that no longer matches
   * or has no rows left, nothing for one that was not shown and still does not match.
   */
  #emit(changed: readonly Group[], partition: string | undefined): RowBatch | null {
    const { aggregates, names, values, order, ctx, having, changelog } = this.#plan;
    ctx.now = new Date();
    const out: RowBatch = { rows: [], partition: partition ?? [], offsets: [] };
    const kinds: number[] = [];
    const g0 = changed[0].keys.length;
    const scratch: unknown[] = new Array(g0 + aggregates.length);
    for (const g of changed) {
      for (let j = 0; j < g0; j++) scratch[j] = g.keys[j];
      for (let j = 0; j < aggregates.length; j++) scratch[g0 + j] = aggregates[j].result(g.acc[j]);
      const gone = g.rows <= 0;
      if (gone) this.#groups.delete(this.#mapKey(g.keys));
      let kind: number = ROW_INSERT;
      if (changelog) {
        const matches = !gone && (having === undefined || having(scratch) === true);
        if (matches) kind = g.shown ? ROW_UPDATE_AFTER : ROW_INSERT;
        else if (g.shown) kind = ROW_DELETE;
        else continue;
        g.shown = matches;
      } else if (gone) {
        continue;
      }
      const o: Record<string, unknown> = {};
      for (let j = 0; j < names.length; j++) o[names[j]] = values[j](scratch);
      out.rows.push(o);
      kinds.push(kind);
      out.offsets.push(g.offset);
      if (partition === undefined) (out.partition as string[]).push(g.partition);
    }
    if (out.rows.length === 0) return null;
    if (changelog) out.kinds = Uint8Array.from(kinds);
    if (order.length > 0) sortBatch(order, out, out.rows);
    return out;
  }

  #slotOf(key: unknown): number {
    const { keyPrefix, keyed } = this.#plan;
    if (!keyed) return keySlot(keyPrefix);
    const t = text(key);
    if (t === undefined || t.length === 0) return -1;
    return keySlot(typeof t === 'string' ? keyPrefix + t : Buffer.concat([Buffer.from(keyPrefix), t]));
  }

  #restore(state: unknown, range: SlotRange): void {
    const s = state as Partial<AggregateState> | null | undefined;
    if (s === null || s === undefined) return;
    if (s.query !== this.#plan.fingerprint || !Array.isArray(s.groups)) {
      throw new AggregateStateError(
        'the checkpoint holds GROUP BY state of a different query; the query of a pipeline cannot change while it keeps its checkpoints (start it with a new checkpoint directory)',
      );
    }
    const { aggregates, groupTypes } = this.#plan;
    for (const [slot, keys, acc, rows, shown] of s.groups) {
      const mine = slot === -1 ? range[0] === 0 : slot >= range[0] && slot <= range[1];
      if (!mine) continue;
      const values = keys.map((v, j) => decodeValue(groupTypes[j], v));
      this.#groups.set(this.#mapKey(values), {
        keys: values,
        acc: acc.map((a, j) => aggregates[j].decode(a)),
        slot,
        mark: 0,
        rows: typeof rows === 'number' ? rows : Number.POSITIVE_INFINITY,
        shown: shown ?? true,
        partition: '',
        offset: 0,
      });
    }
  }
}
