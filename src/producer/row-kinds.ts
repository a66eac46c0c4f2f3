/**
 * Row kinds on the producer (docs/producer.md, "Updates and deletes"): `write(rows, { kinds })`
 * says per row whether it is an insert, an update's old or new row, or a delete, with the kinds of
 * `RedisSink.write` (src/sink/changelog.ts). They travel with their batch (the wire's `kinds`),
 * so resends and replays carry them too, and the worker's sink applies them by the table's mode.
 */

import { LaminarError } from '../errors.js';
import { isRetraction, ROW_DELETE, ROW_KIND_NAMES } from '../sink/changelog.js';
import { refusesRetractions } from '../sink/changelog-rows.js';
import type { SinkTable } from '../sink/model.js';
import { writerOf } from '../sink/writers/index.js';

/** The second argument of `Producer.write`. */
export interface ProducerWriteOptions {
  /**
   * One kind per row, parallel to the rows: `ROW_INSERT` (0, `+I`), `ROW_UPDATE_BEFORE` (1, `-U`),
   * `ROW_UPDATE_AFTER` (2, `+U`), `ROW_DELETE` (3, `-D`). Undefined: every row is an insert, and
   * the write costs what it always did. An `upsert` table applies each retraction (`-U`, `-D`);
   * an `append` table cannot, and the call is refused ({@link RowKindError}).
   */
  kinds?: ArrayLike<number>;
}

/**
 * A row's kind cannot go where the producer writes: a delete or update-before into an `append`
 * table, or a kind that is none of the four. The `write()` call rejects before any of its rows is
 * accepted.
 */
export class RowKindError extends LaminarError {
  constructor(
    /** The destination (table, or `<pipeline>/<source>`). */
    readonly table: string,
    /** Index of the first such row in the write call. */
    readonly index: number,
    /** Why, without the row's place: `a delete (-D) cannot be applied: table 'x' is ...`. */
    readonly reason: string,
  ) {
    super(
      'ERR_ROW_KIND',
      `row ${index} of the write to '${table}': ${reason}; no row of the call was accepted`,
    );
  }
}

/**
 * Checks a write's kinds against its rows and destination (`model` undefined: a pipeline's ingest
 * source, whose query decides what a retraction does). Returns null when every row is an insert,
 * so the write takes the path of writes without kinds.
 *
 * @throws RangeError when there is not one kind per row.
 * @throws RowKindError for a kind that is none of the four, or a retraction into an `append` table.
 */
export function checkKinds(
  kinds: ArrayLike<number>,
  rows: number,
  table: string,
  model: SinkTable | undefined,
): ArrayLike<number> | null {
  if (kinds.length !== rows) {
    throw new RangeError(`write(): ${rows} rows but ${kinds.length} kinds; give one kind per row`);
  }
  const refusal = model === undefined ? null : refusesRetractions(model);
  let any = false;
  for (let i = 0; i < rows; i++) {
    const k = kinds[i];
    if (k === 0) continue;
    if (!Number.isInteger(k) || k < 0 || k > ROW_DELETE) {
      throw new RowKindError(table, i, `its kind ${String(k)} is none of 0 (+I), 1 (-U), 2 (+U), 3 (-D)`);
    }
    if (refusal !== null && isRetraction(k)) {
      const what = `a ${k === ROW_DELETE ? 'delete' : 'retraction'} (${ROW_KIND_NAMES[k]})`;
      throw new RowKindError(table, i, `${what} cannot be applied: ${refusal}`);
    }
    any = true;
  }
  return any ? kinds : null;
}

/**
 * Whether a retraction into the table needs only the row's key (a String or a per-column Hash:
 * `DEL`), as the worker's sink reads it: its other columns may be missing. Other targets remove
 * what the whole row names (a hash field, a set member) and encode it whole.
 */
export function retractsByKey(model: SinkTable): boolean {
  const r = writerOf(model.target).retraction(model.target);
  return r.kind === 'delete' && r.arg === 'none';
}
