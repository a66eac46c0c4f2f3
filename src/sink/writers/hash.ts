import type { Reply } from '../../resp/reply.js';
import { pushByKey } from './by-key.js';
import { countText, replyText, type TargetWriter } from './writer.js';

/**
 * A Hash table: each row sets the field named by its field column; the rows of one key become
 * one multi-field `HSET` per flush, in row order (a repeated field keeps its last value).
 */
export interface HashTarget {
  type: 'hash';
  hashKeyPrefix: string;
  hashKeyColumn?: string;
  hashFieldColumn: string;
}

/** HSCAN's COUNT per sample entry: a hint, HSCAN may return fewer or more. */
const SCAN_PER_ENTRY = 4;

export const HASH_WRITER: TargetWriter<HashTarget> = {
  type: 'hash',
  title: 'Hash',
  redisType: 'hash',
  options: [
    { field: 'hashKeyPrefix', sql: 'sink.hash_key_prefix' },
    { field: 'hashKeyColumn', sql: 'sink.hash_key_column' },
    { field: 'hashFieldColumn', sql: 'sink.hash_field_column' },
  ],
  exactlyOnceByDefault: false,
  keysRepeat: true,

  check(c) {
    const hashKeyPrefix = c.prefix('hashKeyPrefix');
    const hashKeyColumn = c.column('hashKeyColumn', false);
    const hashFieldColumn = c.column('hashFieldColumn', true)!;
    return hashKeyColumn === undefined
      ? { type: 'hash', hashKeyPrefix, hashFieldColumn }
      : { type: 'hash', hashKeyPrefix, hashKeyColumn, hashFieldColumn };
  },
  keyPrefix: (t) => t.hashKeyPrefix,
  keyColumn: (t) => t.hashKeyColumn,
  fieldColumn: (t) => t.hashFieldColumn,

  commands(_t, rows, out) {
    pushByKey('HSET', rows, true, out);
  },
  fenced: () => ({ op: 'HSET', param: '' }),

  sampleCommands: (key, entries) => [
    ['HLEN', key],
    ['HSCAN', key, 0, 'COUNT', entries * SCAN_PER_ENTRY],
  ],
  sample([length, scan]: readonly Reply[], entries) {
    const flat = ((scan as Reply[])[1] as Reply[]).map(replyText);
    const pairs: { field: string; value: string }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ field: flat[i], value: flat[i + 1] });
    pairs.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
    return { length: Number(length), entries: pairs.slice(0, entries) };
  },
  describeSample: (s) => `hash of ${countText(s.length ?? 0)} fields; ${s.entries.length} of them`,
};
