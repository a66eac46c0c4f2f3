/**
 * The registry of target writers: `target.type` → its {@link TargetWriter}. A new Redis type is a
 * writer file, its target in {@link Target} and its entry in {@link WRITERS}.
 */

import { HASH_WRITER, type HashTarget } from './hash.js';
import { LIST_WRITER, type ListTarget } from './list.js';
import { STRING_WRITER, type StringTarget } from './string.js';
import type { OptionOf, TargetWriter } from './writer.js';

export type { HashTarget } from './hash.js';
export type { ListTarget } from './list.js';
export type { StringTarget } from './string.js';
export type { KeySample, TargetWriter } from './writer.js';

/** Where and how a sink table writes: one Redis data type and its options. */
export type Target = StringTarget | ListTarget | HashTarget;
export type TargetType = Target['type'];
/** A configuration field of some target. */
export type TargetField = OptionOf<Target>;

const WRITERS: { readonly [K in TargetType]: TargetWriter<Extract<Target, { type: K }>> } = {
  string: STRING_WRITER,
  list: LIST_WRITER,
  hash: HASH_WRITER,
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

/** Every target's configuration fields, type after type. */
export const TARGET_FIELDS: readonly TargetField[] = TARGET_TYPES.flatMap((type) =>
  writerFor(type).options.map((o) => o.field),
);

/** The SQL `WITH` option of each target field (`'sink.list_prefix'` for `listPrefix`). */
export const TARGET_SQL_OPTIONS: Readonly<Record<TargetField, string>> = Object.fromEntries(
  TARGET_TYPES.flatMap((type) => writerFor(type).options.map((o) => [o.field, o.sql])),
) as Record<TargetField, string>;

/** Whether a field name is a target's. */
export function isTargetField(f: string): f is TargetField {
  return (TARGET_FIELDS as readonly string[]).includes(f);
}

/** The prefix every key of the target starts with, whatever its type. */
export function keyPrefixOf(t: Target): string {
  return writerOf(t).keyPrefix(t);
}

/** The column whose text follows the prefix in each key; undefined: every row has the bare prefix. */
export function keyColumnOf(t: Target): string | undefined {
  return writerOf(t).keyColumn(t);
}

/** The column naming each row's field within its key (a hash field); undefined: rows have none. */
export function fieldColumnOf(t: Target): string | undefined {
  return writerOf(t).fieldColumn(t);
}
