import {
  DELETE_EVENT_FIELD,
  isRetraction,
  markedJson,
  negated,
  ROW_DELETE,
  ROW_INSERT,
  ROW_KIND_NAMES,
  ROW_UPDATE_AFTER,
  ROW_UPDATE_BEFORE,
} from './changelog.js';
import type { SinkTable } from './model.js';
import type { Row, RowEncoder } from './row-encoder.js';
import type { RowPositions, SinkStats } from './sink.js';
import { type Retraction, writerOf } from './writers/index.js';

/** Where {@link ChangelogRows} puts what it makes of rows: the sink's open batch, or its error policy. */
export interface ChangelogSink {
  /** A row to write, as `enc` holds it now. */
  add(enc: RowEncoder, partition?: string, offset?: number): void;
  /** A removal of what the row of this identity wrote. */
  addRemove(
    key: string | Buffer,
    field: string | Buffer,
    value: string | Buffer,
    partition?: string,
    offset?: number,
  ): void;
  /** A row that cannot be applied, for the table's `'sink.on_error'` policy (may throw). */
  bad(row: Row, index: number, reason: string): void;
}

/**
 * Why the table cannot apply retractions (`-U`, `-D`), or null when it can: for a planner that
 * refuses a changelog query into an `append` table when the job is built, with the same reason a
 * retraction written there gets as a bad row.
 */
export function refusesRetractions(table: SinkTable): string | null {
  return table.mode === 'upsert'
    ? null
    : `table '${table.name}' is an 'append' table, which only adds rows and cannot apply deletes or update-befores; set 'sink.mode' = 'upsert' to apply them`;
}

/** An update-before held back to see whether its update-after rewrites the same identity. */
interface Held {
  key: string | Buffer;
  field: string | Buffer;
  partition: string | undefined;
  offset: number | undefined;
}

/**
 * Turns rows with kinds into what the sink writes, per the table's mode and its target's
 * {@link Retraction}:
 *
 * - `+I`, `+U`: written as any row.
 * - `-U`, `-D` in `append` mode: a bad row (the reason names the kind and the option).
 * - `upsert`, a removing target (String, Hash, Set, Sorted Set): a removal (`DEL`, `HDEL`, `SREM`,
 *   `ZREM`), kept in its place among the key's rows. An update-before on a target whose writes
 *   overwrite is held back: when the next row is a write of the same key (and field), the write
 *   replaces it and it is dropped (counted in `rowsMerged`); otherwise it is removed.
 * - `upsert`, counters and sorted-set increments: the row's number negated (a subtraction; inside
 *   the fence for exactly-once tables, like any increment).
 * - `upsert`, append-only targets (with `deleteEvents`): the row written as an event marked
 *   `"__op": "-D"` (or `"-U"`).
 */
export class ChangelogRows {
  readonly #table: SinkTable;
  readonly #enc: RowEncoder;
  readonly #stats: SinkStats;
  readonly #retraction: Retraction;
  /** The table's rows carry one field per column (the marker is one more pair). */
  readonly #columns: boolean;

  constructor(table: SinkTable, enc: RowEncoder, stats: SinkStats) {
    this.#table = table;
    this.#enc = enc;
    this.#stats = stats;
    const w = writerOf(table.target);
    this.#retraction = w.retraction(table.target);
    this.#columns = w.shape(table.target).columns !== undefined;
  }

  /** Adds one write call's rows; `kinds[i]` is row i's kind. */
  add(
    rows: readonly Row[],
    kinds: ArrayLike<number>,
    positions: RowPositions | undefined,
    out: ChangelogSink,
  ): void {
    const enc = this.#enc;
    const upsert = this.#table.mode === 'upsert';
    const retraction = this.#retraction;
    const partitions = positions?.partition;
    let held: Held | null = null;
    if (kinds.length !== rows.length) {
      throw new RangeError(`write(): ${rows.length} rows but ${kinds.length} kinds; give one kind per row`);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const kind = kinds[i];
      this.#stats.rowsIn++;
      const partition =
        partitions === undefined ? undefined : typeof partitions === 'string' ? partitions : partitions[i];
      const offset = positions?.offsets[i];
      if (kind === ROW_INSERT || kind === ROW_UPDATE_AFTER) {
        const reason = enc.encode(row);
        if (held !== null) {
          if (reason === null && sameIdentity(held, enc, retraction)) this.#stats.rowsMerged++;
          else removeHeld(held, out);
          held = null;
        }
        if (reason === null) out.add(enc, partition, offset);
        else out.bad(row, i, reason);
        continue;
      }
      if (held !== null) {
        removeHeld(held, out);
        held = null;
      }
      if (!isRetraction(kind)) {
        out.bad(row, i, `its kind ${String(kind)} is none of 0 (+I), 1 (-U), 2 (+U), 3 (-D)`);
        continue;
      }
      const what = `a ${kind === ROW_DELETE ? 'delete' : 'retraction'} (${ROW_KIND_NAMES[kind]})`;
      if (!upsert) {
        out.bad(row, i, `${what} cannot be applied: ${refusesRetractions(this.#table)}`);
        continue;
      }
      if (retraction.kind === 'delete' && retraction.arg === 'none') {
        // Only the key says what goes: the rest of the row may be missing.
        const reason = enc.encodeKey(row);
        if (reason !== null) {
          out.bad(row, i, `${what} without a key: ${reason}`);
          continue;
        }
      } else {
        const reason = enc.encode(row);
        if (reason !== null) {
          out.bad(row, i, `${what}: ${reason}`);
          continue;
        }
      }
      if (retraction.kind === 'delete') {
        if (kind === ROW_UPDATE_BEFORE && retraction.overwrite) {
          held = { key: enc.key, field: retraction.arg === 'field' ? enc.field : '', partition, offset };
        } else {
          out.addRemove(
            enc.key,
            retraction.arg === 'field' ? enc.field : '',
            retraction.arg === 'value' ? enc.value : '',
            partition,
            offset,
          );
        }
      } else if (retraction.kind === 'negate') {
        if (retraction.part === 'field') enc.field = negated(enc.field);
        else enc.value = negated(enc.value);
        out.add(enc, partition, offset);
      } else {
        const name = ROW_KIND_NAMES[kind];
        if (this.#columns) enc.pairs = [DELETE_EVENT_FIELD, name, ...enc.pairs];
        else enc.value = markedJson(enc.value, kind);
        out.add(enc, partition, offset);
      }
    }
    if (held !== null) removeHeld(held, out);
  }
}

function removeHeld(held: Held, out: ChangelogSink): void {
  out.addRemove(held.key, held.field, '', held.partition, held.offset);
}

/** Whether the row `enc` holds rewrites what the held update-before wrote. */
function sameIdentity(held: Held, enc: RowEncoder, retraction: Retraction): boolean {
  if (!sameBytes(held.key, enc.key)) return false;
  return retraction.kind !== 'delete' || retraction.arg !== 'field' || sameBytes(held.field, enc.field);
}

function sameBytes(a: string | Buffer, b: string | Buffer): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return x.equals(y);
}
