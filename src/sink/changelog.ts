/**
 * Row kinds: what a row of a changelog does to the table. The four kinds are Flink's, which CDC
 * tools and stream processors share: `+I` insert, `-U` update-before (the old row an update
 * retracts), `+U` update-after (the new row), `-D` delete. A caller passes them to
 * `RedisSink.write` as one number per row, parallel to the rows (no object per row); rows given
 * without kinds are inserts.
 *
 * What a retraction (`-U`, `-D`) does depends on the table's mode (`append` refuses it as a bad
 * row, `upsert` applies it) and on its target: see {@link Retraction} and docs/sink.md.
 */

import type { RowPositions } from './sink.js';

/** `+I`: a new row. */
export const ROW_INSERT = 0;
/** `-U`: the old row of an update, retracted; an update-after of the same key usually follows. */
export const ROW_UPDATE_BEFORE = 1;
/** `+U`: the new row of an update. */
export const ROW_UPDATE_AFTER = 2;
/** `-D`: a row deleted. */
export const ROW_DELETE = 3;

/** One of {@link ROW_INSERT}, {@link ROW_UPDATE_BEFORE}, {@link ROW_UPDATE_AFTER}, {@link ROW_DELETE}. */
export type RowKind =
  | typeof ROW_INSERT
  | typeof ROW_UPDATE_BEFORE
  | typeof ROW_UPDATE_AFTER
  | typeof ROW_DELETE;

/** The short names of the kinds, by number: `ROW_KIND_NAMES[ROW_DELETE]` is `'-D'`. */
export const ROW_KIND_NAMES = ['+I', '-U', '+U', '-D'] as const;
export type RowKindName = (typeof ROW_KIND_NAMES)[number];

/** The kind of a short name (`'-D'` → {@link ROW_DELETE}); undefined for anything else. */
export function rowKindOf(name: string): RowKind | undefined {
  const i = (ROW_KIND_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : (i as RowKind);
}

/** Whether a kind retracts a row (`-U`, `-D`). */
export function isRetraction(kind: number): boolean {
  return kind === ROW_UPDATE_BEFORE || kind === ROW_DELETE;
}

/**
 * The table modes. `append` (default): every row is written as it comes, and a retraction is a
 * bad row. `upsert`: the key (with the hash field, or the member) is the row's identity, and a
 * retraction removes what the row wrote.
 */
export type SinkMode = 'append' | 'upsert';
export const SINK_MODES: readonly SinkMode[] = ['append', 'upsert'];

/**
 * The field a delete event carries (tables of append-only targets with `deleteEvents`): its
 * value is the kind's short name, `-D` or `-U`. The name is Debezium's for the same marker.
 */
export const DELETE_EVENT_FIELD = '__op';

/**
 * The second argument of `RedisSink.write`: the rows' source positions (for exactly-once
 * tables) and their kinds. Each array is parallel to the rows.
 */
export interface WriteOptions extends Partial<RowPositions> {
  /**
   * One kind per row ({@link ROW_INSERT} ... {@link ROW_DELETE}); undefined: every row is an
   * insert, and the write takes the paths it always did.
   */
  kinds?: ArrayLike<number>;
}

/**
 * A retraction's value negated, as text Redis parses: `5` → `-5`, `-2.5` → `2.5`, `0` stays.
 * Counters and sorted-set increments take a retraction back by adding it negated.
 */
export function negated(v: string | Buffer): string {
  const s = typeof v === 'string' ? v : v.toString('latin1');
  if (s.charCodeAt(0) === 45 /* - */) return s.slice(1);
  return /^0(\.0*)?$/.test(s) ? s : `-${s}`;
}

/**
 * A JSON value marked as a delete event: `{"__op":"-D", ...the row}`. Raw values never get
 * here: validation refuses delete events with the `raw` format.
 */
export function markedJson(json: string | Buffer, kind: number): string | Buffer {
  if (typeof json !== 'string') return json;
  const head = `{"${DELETE_EVENT_FIELD}":"${ROW_KIND_NAMES[kind]}"`;
  return json.length === 2 ? `${head}}` : `${head},${json.slice(1)}`;
}
