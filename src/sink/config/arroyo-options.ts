/**
 * Arroyo's spelling of sink options. Tables written for Arroyo's Redis connector name the target
 * `target = 'list'` and its options `'target.key_prefix'`, `'target.key_column'`, ... whatever the
 * type, where this connector has one option per type (`'sink.list_prefix'`). Where an Arroyo
 * option means what one of ours means it is read as ours; where it means nothing here, the error
 * names what to write instead. docs/configuration.md ("Arroyo's spelling") has the table.
 */

import type { SqlPosition } from '../../schema/errors.js';
import type { SqlOption } from '../../schema/sql-tree.js';

/** Raises a configuration error about one option. */
type Fail = (option: string, problem: string, position?: SqlPosition) => never;

/** Arroyo's `target.*` options and ours, per target type Arroyo has. */
const TARGET_OPTIONS: Readonly<Record<'string' | 'list' | 'hash', Readonly<Record<string, string>>>> = {
  string: { 'target.key_prefix': 'sink.key_prefix', 'target.key_column': 'sink.key_column' },
  list: {
    'target.key_prefix': 'sink.list_prefix',
    'target.key_column': 'sink.list_key_column',
    'target.max_length': 'sink.max_length',
    'target.operation': 'sink.operation',
  },
  hash: {
    'target.key_prefix': 'sink.hash_key_prefix',
    'target.key_column': 'sink.hash_key_column',
    'target.field_column': 'sink.hash_field_column',
  },
};

type ArroyoType = keyof typeof TARGET_OPTIONS;
const ARROYO_TYPES = Object.keys(TARGET_OPTIONS) as ArroyoType[];

/** Options Arroyo spells differently for every type. */
const SAME_FOR_ALL: ReadonlyMap<string, string> = new Map([
  ['target', 'sink.type'],
  ['target.ttl_secs', 'sink.ttl_secs'],
  ['bad_data', 'sink.on_error'],
]);

/** Arroyo options with no meaning for a Redis sink, and what to write instead. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['framing', "frames a source's messages; a Redis sink writes one value per row (no equivalent)"],
  ['event_time_field', "is a source option of Arroyo's; a sink takes no event time (no equivalent)"],
  ['watermark_field', "is a source option of Arroyo's; a sink takes no watermark (no equivalent)"],
  ['idle_micros', "is a source option of Arroyo's (no equivalent for a sink)"],
  ['idle_time', "is a source option of Arroyo's (no equivalent for a sink)"],
]);

/** `bad_data` values, as `'sink.on_error'` spells them. */
const BAD_DATA: ReadonlyMap<string, string> = new Map([
  ['fail', 'fail'],
  ['drop', 'skip'],
]);

/** Arroyo's formats that are ours under another name: one column's text or bytes as the value. */
const FORMATS: ReadonlyMap<string, string> = new Map([
  ['raw_string', 'raw'],
  ['raw_bytes', 'raw'],
]);

/** Every option of Arroyo's spelling this door reads (for suggestions). */
export const ARROYO_SQL_OPTIONS: readonly string[] = [
  ...SAME_FOR_ALL.keys(),
  ...new Set(Object.values(TARGET_OPTIONS).flatMap((o) => Object.keys(o))),
];

/**
 * The entries with Arroyo's spellings read as ours, and for each of our keys so reached the key
 * as written (so that messages name what the user wrote). Entries already in our spelling pass
 * through unchanged.
 */
export function fromArroyoSpelling(
  entries: readonly SqlOption[],
  fail: Fail,
): { entries: SqlOption[]; written: Map<string, string> } {
  const written = new Map<string, string>();
  const given = new Set(entries.map((e) => e.key));
  const typeEntry = entries.find((e) => e.key === 'target') ?? entries.find((e) => e.key === 'sink.type');
  const type = typeEntry?.value?.toLowerCase();
  const out = entries.map((entry): SqlOption => {
    const at = entry.keyPosition;
    const refused = REFUSED.get(entry.key);
    if (refused !== undefined) fail(entry.key, refused, at);
    if (entry.key.startsWith('json.')) {
      fail(
        entry.key,
        "is an option of Arroyo's JSON format; this sink writes each row as one JSON object with its columns as they are (no equivalent)",
        at,
      );
    }
    if (entry.key === 'format' && entry.value !== undefined) {
      const ours = FORMATS.get(entry.value.toLowerCase());
      return ours === undefined ? entry : { ...entry, value: ours };
    }
    const ours: string | undefined =
      SAME_FOR_ALL.get(entry.key) ??
      (entry.key.startsWith('target.') ? targetOption(entry, type, fail) : undefined);
    if (ours === undefined) return entry;
    if (given.has(ours))
      fail(entry.key, `is Arroyo's spelling of '${ours}', which is given too; give one of them`, at);
    written.set(ours, entry.key);
    let value = entry.value;
    if (entry.key === 'bad_data' && value !== undefined) {
      value = BAD_DATA.get(value.toLowerCase());
      if (value === undefined) {
        fail(
          entry.key,
          `must be 'fail' or 'drop' (got '${entry.value}'); 'sink.on_error' also takes 'dead_letter'`,
          entry.valuePosition,
        );
      }
    }
    return { ...entry, key: ours, value };
  });
  return { entries: out, written };
}

/** Our option for one of Arroyo's `target.*` options, given the table's target type. */
function targetOption(entry: SqlOption, type: string | undefined, fail: Fail): string | undefined {
  const arroyoTypes = ARROYO_TYPES.filter((t) => Object.hasOwn(TARGET_OPTIONS[t], entry.key));
  if (arroyoTypes.length === 0) return undefined;
  if (type === undefined) {
    fail(
      entry.key,
      "is Arroyo's spelling, which depends on the target type: give target = 'string', 'list' or 'hash' (or 'sink.type')",
      entry.keyPosition,
    );
  }
  if (arroyoTypes.includes(type as ArroyoType)) return TARGET_OPTIONS[type as ArroyoType][entry.key];
  fail(
    entry.key,
    `is Arroyo's spelling for a ${arroyoTypes.join(' or ')} target, not a '${type}' one; write this target's own 'sink.*' option (docs/configuration.md, Targets)`,
    entry.keyPosition,
  );
}
