import type { Reply } from '../../resp/reply.js';
import { pushByKey } from './by-key.js';
import { countText, replyText, type TargetWriter } from './writer.js';

/**
 * A List table: the rows of one key become one variadic `RPUSH` (Append) or `LPUSH` (Prepend) per
 * flush, then one `LTRIM` per key when maxLength is set.
 */
export interface ListTarget {
  type: 'list';
  listPrefix: string;
  listKeyColumn?: string;
  /** Positive integer. */
  maxLength?: number;
  operation: 'Append' | 'Prepend';
}

const OPERATIONS: readonly ListTarget['operation'][] = ['Append', 'Prepend'];

export const LIST_WRITER: TargetWriter<ListTarget> = {
  type: 'list',
  title: 'List',
  redisType: 'list',
  options: [
    { field: 'listPrefix', sql: 'sink.list_prefix' },
    { field: 'listKeyColumn', sql: 'sink.list_key_column' },
    { field: 'maxLength', sql: 'sink.max_length' },
    { field: 'operation', sql: 'sink.operation' },
  ],
  exactlyOnceByDefault: true,
  keysRepeat: true,

  check(c) {
    const listPrefix = c.prefix('listPrefix');
    const listKeyColumn = c.column('listKeyColumn', false);
    const maxLength = c.positiveInteger('maxLength');
    const operation = c.choice('operation', OPERATIONS, true)!;
    const out: ListTarget = { type: 'list', listPrefix, operation };
    if (listKeyColumn !== undefined) out.listKeyColumn = listKeyColumn;
    if (maxLength !== undefined) out.maxLength = maxLength;
    return out;
  },
  keyPrefix: (t) => t.listPrefix,
  keyColumn: (t) => t.listKeyColumn,
  fieldColumn: () => undefined,

  commands(t, rows, out) {
    const append = t.operation === 'Append';
    const groups = pushByKey(append ? 'RPUSH' : 'LPUSH', rows, false, out);
    if (t.maxLength === undefined) return;
    const max = t.maxLength;
    for (const g of groups) {
      out.commands.push(append ? ['LTRIM', g.key, -max, -1] : ['LTRIM', g.key, 0, max - 1]);
      out.rowsPerCommand.push(0);
    }
  },
  fenced: (t) => ({
    op: t.operation === 'Append' ? 'RPUSH' : 'LPUSH',
    param: t.maxLength?.toString() ?? '',
  }),

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
