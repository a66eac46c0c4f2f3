/**
 * The query stage of a query that joins lookup tables: per input batch, the join keys of every
 * row, one `lookup(keys)` per joined table, then the query's WHERE / projection / grouping over
 * the joined rows (relation.ts) — one wait per batch (per dependency level), no promise per row.
 *
 * ```
 * batch ─▶ keys of join 0 ─▶ lookup ─┐        joins whose keys read only the stream are one level:
 *       ─▶ keys of join 1 ─▶ lookup ─┴─ await  their lookups run concurrently
 *       ─▶ keys of join 2 (reads join 0's row) ─▶ lookup ─ await
 *       ─▶ INNER misses dropped ─▶ WHERE, SELECT / GROUP BY inputs (the query's own stage)
 * ```
 *
 * Rows keep their source positions; a row an INNER JOIN drops is skipped like one WHERE rejects.
 * A lookup that fails (LookupError, after the table's retries) fails the batch, hence the job
 * attempt, which restarts from its last checkpoint.
 */

import { joinKeyText } from '../lookup/join-key.js';
import type { LookupRegistry } from '../lookup/lookup-registry.js';
import type { LookupRow } from '../lookup/model.js';
import type { RowBatch, RowStage } from '../plan/operators.js';
import type { Row } from '../sink/row-encoder.js';
import type { ExprFn } from './compiled.js';
import { SqlEvalError } from './errors.js';
import type { BatchEvaluator } from './query-stage.js';
import type { LookupJoin } from './relation.js';

/** A joined row: the source row, then one lookup row (or null) per join. */
type JoinedRow = unknown[];

interface PlannedJoin {
  index: number;
  table: string;
  inner: boolean;
  key: ExprFn;
}

/** Wraps a query's stage with the lookups its joins need. */
export class LookupJoinStage implements RowStage {
  /** Joins grouped by dependency level: a level's keys read only the stream and earlier levels. */
  readonly #levels: PlannedJoin[][];
  readonly #width: number;

  constructor(
    joins: readonly LookupJoin[],
    private readonly lookups: LookupRegistry,
    private readonly inner: BatchEvaluator,
  ) {
    const level: number[] = [];
    joins.forEach((j, k) => {
      level[k] = j.reads.reduce((l, r) => Math.max(l, level[r] + 1), 0);
    });
    this.#levels = [];
    joins.forEach((j, k) => {
      (this.#levels[level[k]] ??= []).push({
        index: k + 1,
        table: j.table.name,
        inner: j.kind === 'inner',
        key: j.key,
      });
    });
    this.#width = joins.length + 1;
  }

  async apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): Promise<RowBatch> {
    const now = new Date();
    const ctx = this.inner.ctx;
    const n = rows.length;
    const width = this.#width;
    const joined: JoinedRow[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (width === 2) {
        joined[i] = [rows[i], null];
        continue;
      }
      const j: JoinedRow = [rows[i]];
      for (let k = 1; k < width; k++) j.push(null);
      joined[i] = j;
    }
    let dropped: Uint8Array | undefined;
    for (const level of this.#levels) {
      // Another channel's batch may have run meanwhile: NOW() is this batch's instant throughout.
      ctx.now = now;
      const keys = level.map((join) => this.#keys(join, joined, dropped, partition, offsets));
      const found =
        level.length === 1
          ? [await this.lookups.get(level[0].table).lookup(keys[0])]
          : await Promise.all(level.map((join, x) => this.lookups.get(join.table).lookup(keys[x])));
      for (let x = 0; x < level.length; x++) {
        const { index, inner } = level[x];
        const rowsFound: (LookupRow | null)[] = found[x];
        for (let i = 0; i < n; i++) {
          const row = rowsFound[i];
          joined[i][index] = row;
          if (row === null && inner) (dropped ??= new Uint8Array(n))[i] = 1;
        }
      }
    }
    ctx.now = now;
    if (dropped === undefined) return this.inner.evaluate(joined, partition, offsets, kinds);
    const single = typeof partition === 'string';
    const kept: JoinedRow[] = [];
    const keptOffsets: number[] = [];
    const keptPartitions: string[] = [];
    const keptKinds = kinds === undefined ? undefined : new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (dropped[i] === 1) continue;
      if (keptKinds !== undefined) keptKinds[kept.length] = kinds![i];
      kept.push(joined[i]);
      keptOffsets.push(offsets[i]);
      if (!single) keptPartitions.push(partition[i]);
    }
    return this.inner.evaluate(
      kept,
      single ? partition : keptPartitions,
      keptOffsets,
      keptKinds?.subarray(0, kept.length),
    );
  }

  /** The Redis key text of each row's join value (null: no lookup — a null value, or a dropped row). */
  #keys(
    join: PlannedJoin,
    joined: readonly JoinedRow[],
    dropped: Uint8Array | undefined,
    partition: string | readonly string[],
    offsets: readonly number[],
  ): (string | null)[] {
    const keys = new Array<string | null>(joined.length);
    const key = join.key;
    for (let i = 0; i < joined.length; i++) {
      if (dropped !== undefined && dropped[i] === 1) {
        keys[i] = null;
        continue;
      }
      try {
        keys[i] = joinKeyText(key(joined[i]));
      } catch (e) {
        if (e instanceof SqlEvalError)
          throw e.locate(typeof partition === 'string' ? partition : partition[i], offsets[i]);
        throw e;
      }
    }
    return keys;
  }
}
