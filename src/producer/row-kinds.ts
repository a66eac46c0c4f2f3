/**
 * Row kinds on the producer (docs/producer.md, "Updates and deletes"): `write(rows, { kinds })`
 * says per row whether it is an insert, an update's old or new row, or a delete, with the kinds of
 * `RedisSink.write` (src/sink/changelog.ts). They travel with their batch (the wire's `kinds`),
 * so resends and replays carry them too, and the worker's sink applies them by the table's mode.
 * `write(entries, { format: 'debezium' })` and `write(rows, { opColumn })` read the kinds out of
 * the rows instead, with the decoder of JSON-lines sources and HTTP ingest.
 */

import { LaminarError } from '../errors.js';
import { ChangelogDecoder } from '../plan/changelog-decoder.js';
import { CHANGELOG_UPDATES, type ChangelogFormat } from '../plan/changelog-format.js';
import { isRetraction, ROW_DELETE, ROW_KIND_NAMES } from '../sink/changelog.js';
import { refusesRetractions } from '../sink/changelog-rows.js';
import type { SinkTable } from '../sink/model.js';
import type { Row } from '../sink/row-encoder.js';
import { writerOf } from '../sink/writers/index.js';
import { isRowObject, RowEncodingError } from '../wire/row-batch-codec.js';

/** The second argument of `Producer.write`. */
export interface ProducerWriteOptions {
  /**
   * One kind per row, parallel to the rows: `ROW_INSERT` (0, `+I`), `ROW_UPDATE_BEFORE` (1, `-U`),
   * `ROW_UPDATE_AFTER` (2, `+U`), `ROW_DELETE` (3, `-D`). Undefined: every row is an insert, and
   * the write costs what it always did. An `upsert` table applies each retraction (`-U`, `-D`);
   * an `append` table cannot, and the call is refused ({@link RowKindError}).
   */
  kinds?: ArrayLike<number>;
  /**
   * The rows are a changelog whose entries say their kinds (docs/producer.md, "Debezium envelopes
   * and operation columns"), read as a JSON-lines source with `'source.format'` reads its lines.
   * `'debezium'`: each entry is an envelope `{ before, after, op }` (`op` c, r, u, d), bare, in
   * the JSON converter's `{ schema, payload }`, or keyed `{ key, value }` where a null value is a
   * tombstone (a delete of its key under `updates: 'upsert'`); an update gives its old row (`-U`)
   * and its new one (`+U`). `'json'`: plain rows, each an insert unless {@link opColumn} is set.
   * Not with {@link kinds}.
   */
  format?: ChangelogFormat['format'];
  /**
   * The column of each row that holds its operation: `c`, `r` (insert), `u` (update-after), `d`
   * (delete), or `+I`, `-U`, `+U`, `-D`. It is removed from the row. Implies `format: 'json'`.
   */
  opColumn?: string;
  /**
   * With {@link format} or {@link opColumn}: what an update must carry. `'retract'` (default): its
   * old row too (Debezium's `before`), as a GROUP BY of a pipeline's query needs; a tombstone is
   * passed over, since Debezium sends one after each delete. `'upsert'`: the new row is enough
   * (the key says what it replaces), and a tombstone deletes its key.
   */
  updates?: ChangelogFormat['updates'];
}

/** Rows and kinds decoded from a changelog write, and the entry each row came from. */
export interface ChangelogWrite {
  rows: Row[];
  kinds: number[];
  /** Per row, the index in the write call of the entry it came from (an update gives two rows). */
  entries: number[];
}

/** What an update without its old row is told under `retract`, as the producer spells it. */
const PRODUCER_RETRACT_HINT =
  "updates are 'retract' by default, and an update must carry its old row; send full before images, or write with { updates: 'upsert' } where the new row is enough (a table, or a query without GROUP BY)";

/**
 * A row's kind cannot go where the producer writes: a delete or update-before into an `append`
 * table, a kind that is none of the four, or an entry of a changelog write (`format`,
 * `opColumn`) that says no kind. The `write()` call rejects before any of its rows is accepted.
 */
export class RowKindError extends LaminarError {
  constructor(
    /** The destination (table, or `<pipeline>/<source>`). */
    readonly table: string,
    /** Index of the first such row in the write call (of its entry, in a changelog write). */
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
 * The changelog format a write's options ask for (undefined: plain rows, or `kinds`), mirroring
 * HTTP ingest's `format`, `op_column` and `updates`.
 *
 * @throws TypeError for options that contradict each other or name no format.
 */
export function changelogOfWrite(options: ProducerWriteOptions | undefined): ChangelogFormat | undefined {
  if (options === undefined) return undefined;
  const { format, opColumn, updates } = options;
  if (format !== undefined && format !== 'debezium' && format !== 'json') {
    throw new TypeError(`write(): format must be 'debezium' or 'json' (got ${JSON.stringify(format)})`);
  }
  if (opColumn !== undefined && (typeof opColumn !== 'string' || opColumn === '')) {
    throw new TypeError('write(): opColumn must name the column holding the operation');
  }
  if (format === 'debezium' && opColumn !== undefined) {
    throw new TypeError("write(): opColumn is for plain rows; a Debezium envelope has its own 'op'");
  }
  if (updates !== undefined && !(CHANGELOG_UPDATES as readonly string[]).includes(updates)) {
    throw new TypeError(`write(): updates must be 'retract' or 'upsert' (got ${JSON.stringify(updates)})`);
  }
  if (format !== 'debezium' && opColumn === undefined) {
    if (updates !== undefined) {
      throw new TypeError("write(): updates is for changelogs; add format: 'debezium' or opColumn");
    }
    return undefined;
  }
  if (options.kinds !== undefined) {
    throw new TypeError('write(): kinds or a changelog format, not both: the entries say their kinds');
  }
  const out: ChangelogFormat = format === 'debezium' ? { format } : { format: 'json', opColumn };
  if (updates !== undefined) out.updates = updates;
  return out;
}

/**
 * Reads every entry of a changelog write into rows and kinds before any is accepted.
 *
 * @throws RowEncodingError for an entry that is not an object; RowKindError for one that is no
 *   changelog entry (an unknown op, a delete without its row or key, an update without `before`
 *   under `retract`), naming its index and the reason.
 */
export function decodeChangelogWrite(
  entries: readonly Row[],
  format: ChangelogFormat,
  table: string,
): ChangelogWrite {
  const decoder = new ChangelogDecoder(format, PRODUCER_RETRACT_HINT);
  const out: ChangelogWrite = { rows: [], kinds: [], entries: [] };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!isRowObject(entry)) throw new RowEncodingError(i, 'a changelog entry must be an object');
    const problem = decoder.decode(entry as Record<string, unknown>, out.rows, out.kinds);
    if (problem !== undefined) throw new RowKindError(table, i, problem);
    while (out.entries.length < out.rows.length) out.entries.push(i);
  }
  return out;
}

/**
 * `err` with the index of the entry its row came from, for an error of a decoded row (its index
 * is the row's among the decoded rows, which the caller never saw).
 */
export function atEntry(err: unknown, entries: readonly number[]): unknown {
  if (err instanceof RowKindError && err.index >= 0 && err.index < entries.length) {
    return new RowKindError(err.table, entries[err.index], err.reason);
  }
  if (err instanceof RowEncodingError && err.index >= 0 && err.index < entries.length) {
    return new RowEncodingError(entries[err.index], err.reason, { cause: err.cause });
  }
  return err;
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
