import type { Reply } from '../../resp/reply.js';
import { replyText, type TargetWriter } from './writer.js';

/** A String table: each row is `SET <prefix><key column> <value> [EX ttlSecs]`. */
export interface StringTarget {
  type: 'string';
  keyPrefix: string;
  keyColumn?: string;
  /** Positive integer. */
  ttlSecs?: number;
}

export const STRING_WRITER: TargetWriter<StringTarget> = {
  type: 'string',
  title: 'String',
  redisType: 'string',
  options: [
    { field: 'keyPrefix', sql: 'sink.key_prefix' },
    { field: 'keyColumn', sql: 'sink.key_column' },
    { field: 'ttlSecs', sql: 'sink.ttl_secs' },
  ],
  exactlyOnceByDefault: false,
  keysRepeat: false,

  check(c) {
    const out: StringTarget = { type: 'string', keyPrefix: c.prefix('keyPrefix') };
    const keyColumn = c.column('keyColumn', false);
    const ttlSecs = c.positiveInteger('ttlSecs');
    if (keyColumn !== undefined) out.keyColumn = keyColumn;
    if (ttlSecs !== undefined) out.ttlSecs = ttlSecs;
    return out;
  },
  keyPrefix: (t) => t.keyPrefix,
  keyColumn: (t) => t.keyColumn,
  fieldColumn: () => undefined,

  directSet: (t) => ({ ttlSecs: t.ttlSecs }),

  commands(t, rows, out) {
    const { keys, values } = rows;
    // The TTL's text once per flush, not once per row.
    const ttl = t.ttlSecs === undefined ? undefined : String(t.ttlSecs);
    for (let i = 0; i < keys.length; i++) {
      out.commands.push(
        ttl === undefined ? ['SET', keys[i], values[i]] : ['SET', keys[i], values[i], 'EX', ttl],
      );
      out.rowsPerCommand.push(1);
    }
  },
  fenced: (t) => ({ op: 'SET', param: t.ttlSecs?.toString() ?? '' }),

  sampleCommands: (key) => [
    ['GET', key],
    ['TTL', key],
  ],
  sample: ([value, ttl]: readonly Reply[]) => ({ ttl: Number(ttl), entries: [{ value: replyText(value) }] }),
  describeSample: (s) => `TTL ${s.ttl} s`,
};
