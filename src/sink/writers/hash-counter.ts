import { type CounterOptions, checkCounter, INCREMENT_OPTIONS } from './counter.js';
import { hashSample, hashSampleCommands } from './hash-sample.js';
import { checkKey, checkTtl, KEYED_OPTIONS, keyFields, optionsOf, ttlShape } from './shared.js';
import { sumByKey } from './sum.js';
import { countText, emit, type KeyTemplateOption, type TargetWriter, type TtlOptions } from './writer.js';

/**
 * A hash counter table: each row adds its increment column's value to the field named by its
 * field column (`HINCRBY`, or `HINCRBYFLOAT` for the `float` kind). Integer increments of one
 * field are summed per flush, as counters do.
 */
export interface HashCounterTarget extends CounterOptions, TtlOptions, KeyTemplateOption {
  type: 'hash_counter';
  /** Required unless `keyTemplate` is given. */
  hashCounterPrefix?: string;
  hashCounterKeyColumn?: string;
  hashCounterFieldColumn: string;
}

export const HASH_COUNTER_WRITER: TargetWriter<HashCounterTarget> = {
  type: 'hash_counter',
  title: 'Hash Counter',
  redisType: 'hash',
  options: optionsOf<HashCounterTarget>(
    { field: 'hashCounterPrefix', sql: 'sink.hash_counter_prefix' },
    { field: 'hashCounterKeyColumn', sql: 'sink.hash_counter_key_column' },
    { field: 'hashCounterFieldColumn', sql: 'sink.hash_counter_field_column' },
    ...INCREMENT_OPTIONS,
    ...KEYED_OPTIONS,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'hashCounterPrefix', 'hashCounterKeyColumn');
    const hashCounterFieldColumn = c.column('hashCounterFieldColumn', true)!;
    return {
      type: 'hash_counter',
      ...keyFields(key, 'hashCounterPrefix', 'hashCounterKeyColumn'),
      hashCounterFieldColumn,
      ...checkCounter(c),
      ...checkTtl(c),
    };
  },
  keyPrefix: (t) => t.hashCounterPrefix ?? '',
  keyColumn: (t) => t.hashCounterKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ({
    ...ttlShape(t),
    field: { column: t.hashCounterFieldColumn, kind: 'text', role: 'field' },
    value: {
      column: t.incrementColumn,
      kind: t.counterKind === 'float' ? 'number' : 'integer',
      role: 'increment',
    },
  }),
  identityColumns: (t) => [t.hashCounterFieldColumn],
  groupedWrites: () => 'refuse',
  exactlyOnceByDefault: () => true,
  retraction: () => ({ kind: 'negate', part: 'value' }),

  commands(t, rows, out) {
    if (t.counterKind !== 'float') {
      sumByKey('HINCRBY', rows, true, out);
      return;
    }
    const { keys, fields, values } = rows;
    for (let i = 0; i < keys.length; i++) emit(out, ['HINCRBYFLOAT', keys[i], fields[i], values[i]], 1);
  },
  summed: (t) => (t.counterKind === 'float' || t.ttlColumn !== undefined ? undefined : { verb: 'HINCRBY' }),
  fenced: (t) => ({ op: t.counterKind === 'float' ? 'HINCRBYFLOAT' : 'HINCRBY', flags: [] }),

  sampleCommands: hashSampleCommands,
  sample: hashSample,
  describeSample: (s) => `hash of ${countText(s.length ?? 0)} counters; ${s.entries.length} of them`,
};
