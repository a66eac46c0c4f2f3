import type { Reply } from '../../resp/reply.js';
import { pushByKey } from './by-key.js';
import {
  checkKey,
  checkTtl,
  KEYED_OPTIONS,
  keyFields,
  MEMBER_COLUMN_OPTION,
  optionsOf,
  ttlShape,
} from './shared.js';
import {
  countText,
  type KeyTemplateOption,
  replyText,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/**
 * A Set table: each row adds one member, its member column's text or (without one) the row
 * encoded in the table's format; the rows of one key become one variadic `SADD` per flush.
 */
export interface SetTarget extends TtlOptions, KeyTemplateOption {
  type: 'set';
  /** Required unless `keyTemplate` is given. */
  setPrefix?: string;
  setKeyColumn?: string;
  /** The member's column; undefined: the encoded row is the member. */
  memberColumn?: string;
}

export const SET_WRITER: TargetWriter<SetTarget> = {
  type: 'set',
  title: 'Set',
  redisType: 'set',
  options: optionsOf<SetTarget>(
    { field: 'setPrefix', sql: 'sink.set_prefix' },
    { field: 'setKeyColumn', sql: 'sink.set_key_column' },
    MEMBER_COLUMN_OPTION,
    ...KEYED_OPTIONS,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'setPrefix', 'setKeyColumn');
    const memberColumn = c.column('memberColumn', false);
    const out: SetTarget = { type: 'set', ...keyFields(key, 'setPrefix', 'setKeyColumn'), ...checkTtl(c) };
    if (memberColumn !== undefined) out.memberColumn = memberColumn;
    return out;
  },
  keyPrefix: (t) => t.setPrefix ?? '',
  keyColumn: (t) => t.setKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ({
    ...ttlShape(t),
    ...(t.memberColumn === undefined
      ? {}
      : { value: { column: t.memberColumn, kind: 'text', role: 'member' } }),
  }),
  identityColumns: (t) => (t.memberColumn === undefined ? [] : [t.memberColumn]),
  // A member once added stays: a group whose member changes leaves its old one behind.
  groupedWrites: () => 'refuse',
  exactlyOnceByDefault: () => false,
  retraction: () => ({ kind: 'delete', verb: 'SREM', arg: 'value', overwrite: false }),

  commands(_t, rows, out) {
    pushByKey('SADD', rows, false, out);
  },
  fenced: () => ({ op: 'SADD', flags: [] }),
  grouped: () => ({ verb: 'SADD', flags: [] }),

  sampleCommands: (key, entries) => [
    ['SCARD', key],
    ['SRANDMEMBER', key, entries],
  ],
  sample: ([length, members]: readonly Reply[]) => ({
    length: Number(length),
    entries: (members as Reply[])
      .map((v) => ({ value: replyText(v) }))
      .sort((a, b) => (a.value < b.value ? -1 : 1)),
  }),
  describeSample: (s) => `set of ${countText(s.length ?? 0)} members; ${s.entries.length} of them`,
};
