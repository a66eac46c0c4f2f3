import type { Reply } from '../../resp/reply.js';
import { pushByKey } from './by-key.js';
import {
  checkKey,
  checkTtl,
  KEYED_OPTIONS,
  keyFields,
  optionsOf,
  ttlShape,
  WRITE_MODE_OPTION,
} from './shared.js';
import {
  countText,
  type KeyTemplateOption,
  replyText,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/**
 * A List table: the rows of one key become one variadic `RPUSH` (Append) or `LPUSH` (Prepend) per
 * flush (`RPUSHX`/`LPUSHX` with `writeMode: 'if_present'`), then one `LTRIM` per key when
 * maxLength is set.
 */
export interface ListTarget extends TtlOptions, KeyTemplateOption {
  type: 'list';
  /** Required unless `keyTemplate` is given. */
  listPrefix?: string;
  listKeyColumn?: string;
  /** Positive integer. */
  maxLength?: number;
  operation: 'Append' | 'Prepend';
  /** `upsert` (default: push, creating the list) or `if_present` (push only onto an existing list). */
  writeMode?: 'upsert' | 'if_present';
}

const OPERATIONS: readonly ListTarget['operation'][] = ['Append', 'Prepend'];

function verb(t: ListTarget): 'RPUSH' | 'LPUSH' | 'RPUSHX' | 'LPUSHX' {
  const v = t.operation === 'Append' ? 'RPUSH' : 'LPUSH';
  return t.writeMode === 'if_present' ? `${v}X` : v;
}

export const LIST_WRITER: TargetWriter<ListTarget> = {
  type: 'list',
  title: 'List',
  redisType: 'list',
  options: optionsOf<ListTarget>(
    { field: 'listPrefix', sql: 'sink.list_prefix' },
    { field: 'listKeyColumn', sql: 'sink.list_key_column' },
    { field: 'maxLength', sql: 'sink.max_length' },
    { field: 'operation', sql: 'sink.operation' },
    ...KEYED_OPTIONS,
    WRITE_MODE_OPTION,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'listPrefix', 'listKeyColumn');
    const maxLength = c.positiveInteger('maxLength');
    const operation = c.choice('operation', OPERATIONS, true)!;
    const ttl = checkTtl(c);
    const writeMode = c.choice('writeMode', ['upsert', 'if_present'] as const, false);
    const out: ListTarget = {
      type: 'list',
      ...keyFields(key, 'listPrefix', 'listKeyColumn'),
      operation,
      ...ttl,
    };
    if (maxLength !== undefined) out.maxLength = maxLength;
    if (writeMode === 'if_present') out.writeMode = writeMode;
    return out;
  },
  keyPrefix: (t) => t.listPrefix ?? '',
  keyColumn: (t) => t.listKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ttlShape(t),
  identityColumns: () => [],
  groupedWrites: () => 'append',
  exactlyOnceByDefault: () => true,
  retraction: () => ({ kind: 'event' }),

  commands(t, rows, out) {
    pushByKey(verb(t), rows, false, out);
  },
  trim(t, key) {
    if (t.maxLength === undefined) return undefined;
    const max = t.maxLength;
    return t.operation === 'Append' ? ['LTRIM', key, -max, -1] : ['LTRIM', key, 0, max - 1];
  },
  fenced: (t) => ({ op: verb(t), flags: [] }),
  grouped: (t) => ({ verb: verb(t), flags: [] }),

  sampleCommands: (key, entries) => [
    ['LLEN', key],
    ['LRANGE', key, 0, entries - 1],
  ],
  sample: ([length, head]: readonly Reply[]) => ({
    length: Number(length),
    entries: (head as Reply[]).map((v) => ({ value: replyText(v) })),
  }),
  describeSample: (s) => `list of ${countText(s.length ?? 0)}; the first ${s.entries.length}, from the head`,
};
