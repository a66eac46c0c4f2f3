/**
 * The registry of target writers: `target.type` → its {@link TargetWriter}. A new Redis type is a
 * writer file, its target in {@link Target} and its entry in {@link WRITERS}.
 */

import type { Command } from '../../resp/reply.js';
import { COUNTER_WRITER, type CounterTarget } from './counter.js';
import { HASH_WRITER, type HashTarget } from './hash.js';
import { HASH_COUNTER_WRITER, type HashCounterTarget } from './hash-counter.js';
import { LIST_WRITER, type ListTarget } from './list.js';
import { PUBSUB_WRITER, type PubSubTarget } from './pubsub.js';
import { SET_WRITER, type SetTarget } from './set.js';
import { expireCommand, hasTtl } from './shared.js';
import { SORTED_SET_WRITER, type SortedSetTarget } from './sorted-set.js';
import { STREAM_WRITER, type StreamTarget } from './stream.js';
import { STRING_WRITER, type StringTarget } from './string.js';
import type { OptionOf, TargetWriter, TtlOptions } from './writer.js';

export type { CounterKind, CounterTarget } from './counter.js';
export type { HashTarget } from './hash.js';
export type { HashCounterTarget } from './hash-counter.js';
export type { ListTarget } from './list.js';
export type { PubSubTarget } from './pubsub.js';
export type { SetTarget } from './set.js';
export type { WriteMode } from './shared.js';
export type { ScoreMode, SortedSetTarget } from './sorted-set.js';
export type { StreamTarget } from './stream.js';
export type { StringTarget } from './string.js';
export type {
  KeySample,
  Retraction,
  RowShape,
  TargetWriter,
  TtlKind,
  TtlRefresh,
  ValueKind,
} from './writer.js';

/** Where and how a sink table writes: one Redis data type and its options. */
export type Target =
  | StringTarget
  | ListTarget
  | HashTarget
  | SetTarget
  | SortedSetTarget
  | CounterTarget
  | HashCounterTarget
  | StreamTarget
  | PubSubTarget;
export type TargetType = Target['type'];
/** A configuration field of some target. */
export type TargetField = OptionOf<Target>;

const WRITERS: { readonly [K in TargetType]: TargetWriter<Extract<Target, { type: K }>> } = {
  string: STRING_WRITER,
  list: LIST_WRITER,
  hash: HASH_WRITER,
  set: SET_WRITER,
  sorted_set: SORTED_SET_WRITER,
  counter: COUNTER_WRITER,
  hash_counter: HASH_COUNTER_WRITER,
  stream: STREAM_WRITER,
  pubsub: PUBSUB_WRITER,
};

/** Every target type, in documented order. */
export const TARGET_TYPES: readonly TargetType[] = Object.keys(WRITERS) as TargetType[];

/** The writer of a target type. */
export function writerFor(type: TargetType): TargetWriter<Target> {
  return WRITERS[type] as TargetWriter<Target>;
}

/** The writer of a target. */
export function writerOf(t: Target): TargetWriter<Target> {
  return WRITERS[t.type] as TargetWriter<Target>;
}

/** Every target's configuration fields, type after type, each once. */
export const TARGET_FIELDS: readonly TargetField[] = [
  ...new Set(TARGET_TYPES.flatMap((type) => writerFor(type).options.map((o) => o.field))),
];

/** The fields one type alone has, which tell a JSON body's target type when it names none. */
export function ownFields(type: TargetType): TargetField[] {
  return writerFor(type)
    .options.filter((o) => o.shared !== true)
    .map((o) => o.field);
}

/** The SQL `WITH` option of each target field (`'sink.list_prefix'` for `listPrefix`). */
export const TARGET_SQL_OPTIONS: Readonly<Record<TargetField, string>> = Object.fromEntries(
  TARGET_TYPES.flatMap((type) => writerFor(type).options.map((o) => [o.field, o.sql])),
) as Record<TargetField, string>;

/** Whether a field name is a target's. */
export function isTargetField(f: string): f is TargetField {
  return (TARGET_FIELDS as readonly string[]).includes(f);
}

/** The prefix every key of the target starts with, whatever its type (`''` with a key template). */
export function keyPrefixOf(t: Target): string {
  return writerOf(t).keyPrefix(t);
}

/** The column whose text follows the prefix in each key; undefined: the bare prefix, or a template. */
export function keyColumnOf(t: Target): string | undefined {
  return writerOf(t).keyColumn(t);
}

/** The key template of a target, when its keys are built from one. */
export function keyTemplateOf(t: Target): string | undefined {
  return writerOf(t).keyTemplate(t);
}

/** Whether every row of the target writes the same key (a prefix without a key column or template). */
export function hasFixedKey(t: Target): boolean {
  const w = writerOf(t);
  return w.keyColumn(t) === undefined && w.keyTemplate(t) === undefined;
}

/** The column naming each row's field within its key (a hash field); undefined: rows have none. */
export function fieldColumnOf(t: Target): string | undefined {
  const f = writerOf(t).shape(t).field;
  return f !== undefined && f.role === 'field' ? f.column : undefined;
}

/**
 * Whether a row of the target is whole as key, field and value (what a producer's keyed encoding
 * carries); rows that also carry a TTL or one field per column are not.
 */
export function rowsFitKeyed(t: Target): boolean {
  const shape = writerOf(t).shape(t);
  return shape.ttl === undefined && shape.columns === undefined;
}

/** Whether each row of the target carries a field besides its key and value. */
export function rowsHaveField(t: Target): boolean {
  return writerOf(t).shape(t).field !== undefined;
}

/** Whether a flush runs commands for a key after its rows (a trim, a TTL) on the path given. */
export function hasAfterKey(t: Target, fenced: boolean): boolean {
  const w = writerOf(t);
  return w.trim !== undefined || (hasTtl(t as TtlOptions) && !(w.ttlInline?.(t, fenced) ?? false));
}

/**
 * An at-least-once flush's commands after each key's rows (see {@link afterKeyCommands}) for
 * rows that carry no TTL of their own, as a function of the key; null when the table has none.
 */
export function afterKeyOf(t: Target): ((key: string | Buffer) => readonly Command[]) | null {
  return hasAfterKey(t, false) ? (key) => afterKeyCommands(t, key, undefined, false) : null;
}

/**
 * The commands run once for a key after its rows in a flush: the writer's trim, then the TTL
 * (`ttl`: the key's last row's, when rows carry one). `wrote`: false when the key's rows only
 * removed (an `upsert` table's deletes), which set no TTL.
 */
export function afterKeyCommands(
  t: Target,
  key: string | Buffer,
  ttl: number | undefined,
  fenced: boolean,
  wrote = true,
): Command[] {
  const w = writerOf(t);
  const out: Command[] = [];
  const trim = w.trim?.(t, key);
  if (trim !== undefined) out.push(trim);
  const o = t as TtlOptions;
  if (wrote && hasTtl(o) && !(w.ttlInline?.(t, fenced) ?? false)) out.push(expireCommand(o, key, ttl));
  return out;
}
