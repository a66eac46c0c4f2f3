/**
 * Lookup options as Arroyo writes them: the cache options are spelled alike
 * (`'lookup.cache.max_bytes'`, `'lookup.cache.ttl'`), durations come as interval literals
 * (`interval '5' second`), and `format = 'raw_string'` / `'raw_bytes'` are what `'raw'` is here.
 * `bad_data` has no exact twin and is refused with the option that comes closest.
 */

import type { SqlPosition } from '../schema/errors.js';
import type { SqlOption } from '../schema/sql-tree.js';

type Fail = (option: string, problem: string, position?: SqlPosition) => never;

/** Lookup options that take a duration (interval literals included). */
const DURATION_OPTIONS = ['lookup.cache.ttl', 'lookup.timeout'];

/** Arroyo's formats that are ours under another name. */
const FORMATS: ReadonlyMap<string, string> = new Map([
  ['raw_string', 'raw'],
  ['raw_bytes', 'raw'],
]);

/** One entry in this door's spelling: interval literals checked, Arroyo's format names read. */
export function lookupEntry(entry: SqlOption, fail: Fail): SqlOption {
  if (entry.intervalMs !== undefined && !DURATION_OPTIONS.includes(entry.key)) {
    const takers = DURATION_OPTIONS.map((o) => `'${o}'`).join(' and ');
    fail(entry.key, `takes no interval (of a lookup table's options, ${takers} do)`, entry.valuePosition);
  }
  if (entry.key === 'bad_data') {
    fail(
      entry.key,
      "is Arroyo's option for values that cannot be read; a lookup table spells it 'lookup.bad_value' ('fail', or 'null': the value reads as null)",
      entry.keyPosition,
    );
  }
  if (entry.key === 'format' && entry.value !== undefined) {
    const ours = FORMATS.get(entry.value.toLowerCase());
    if (ours !== undefined) return { ...entry, value: ours };
  }
  return entry;
}
