import type { Reply } from '../../resp/reply.js';
import {
  checkKey,
  checkTtl,
  KEYED_OPTIONS,
  keyFields,
  NUMERIC_TYPES,
  optionsOf,
  ttlShape,
} from './shared.js';
import { sumByKey } from './sum.js';
import {
  emit,
  type KeyTemplateOption,
  replyText,
  type TargetChecks,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/** What a counter adds: integers (`INCRBY`) or floating-point numbers (`INCRBYFLOAT`). */
export type CounterKind = 'integer' | 'float';

/** The shared options of both counter types. */
export interface CounterOptions {
  /** The column whose value is added: a number. */
  incrementColumn: string;
  /** Default: `float` when the schema declares the column DOUBLE, else `integer`. */
  counterKind?: CounterKind;
}

export const INCREMENT_OPTIONS = [
  { field: 'incrementColumn', sql: 'sink.increment_column', shared: true },
  { field: 'counterKind', sql: 'sink.counter_kind', shared: true },
] as const;

/** Checks the increment column and the counter kind. */
export function checkCounter<F extends string>(c: TargetChecks<F | keyof CounterOptions>): CounterOptions {
  const incrementColumn = c.column('incrementColumn', true)!;
  let kind = c.choice('counterKind', ['integer', 'float'] as const, false);
  const declared = c.columnType(incrementColumn);
  if (kind === undefined && declared === 'DOUBLE') kind = 'float';
  if (declared !== undefined && !NUMERIC_TYPES.includes(declared)) {
    c.fail(
      'incrementColumn',
      `names column '${incrementColumn}' of type ${declared}; an increment must be BIGINT, INTEGER or DOUBLE`,
    );
  }
  // Stated in the model even when inferred, so that validating the model again keeps it.
  return { incrementColumn, counterKind: kind ?? 'integer' };
}

/**
 * A counter table: each row adds its increment column's value to the String at its key (`INCRBY`,
 * or `INCRBYFLOAT` for the `float` kind). Integer increments of one key are summed per flush and
 * sent as one `INCRBY` (exact: sums are kept as bigints past 2^53); float increments are sent row
 * by row, since adding them in another order could round differently than Redis would.
 */
export interface CounterTarget extends CounterOptions, TtlOptions, KeyTemplateOption {
  type: 'counter';
  /** Required unless `keyTemplate` is given. */
  counterPrefix?: string;
  counterKeyColumn?: string;
}

export const COUNTER_WRITER: TargetWriter<CounterTarget> = {
  type: 'counter',
  title: 'Counter',
  redisType: 'string',
  options: optionsOf<CounterTarget>(
    { field: 'counterPrefix', sql: 'sink.counter_prefix' },
    { field: 'counterKeyColumn', sql: 'sink.counter_key_column' },
    ...INCREMENT_OPTIONS,
    ...KEYED_OPTIONS,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'counterPrefix', 'counterKeyColumn');
    return {
      type: 'counter',
      ...keyFields(key, 'counterPrefix', 'counterKeyColumn'),
      ...checkCounter(c),
      ...checkTtl(c),
    };
  },
  keyPrefix: (t) => t.counterPrefix ?? '',
  keyColumn: (t) => t.counterKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ({
    ...ttlShape(t),
    value: {
      column: t.incrementColumn,
      kind: t.counterKind === 'float' ? 'number' : 'integer',
      role: 'increment',
    },
  }),
  identityColumns: () => [],
  groupedWrites: () => 'refuse',
  exactlyOnceByDefault: () => true,
  retraction: () => ({ kind: 'negate', part: 'value' }),

  commands(t, rows, out) {
    if (t.counterKind !== 'float') {
      sumByKey('INCRBY', rows, false, out);
      return;
    }
    const { keys, values } = rows;
    for (let i = 0; i < keys.length; i++) emit(out, ['INCRBYFLOAT', keys[i], values[i]], 1);
  },
  summed: (t) => (t.counterKind === 'float' || t.ttlColumn !== undefined ? undefined : { verb: 'INCRBY' }),
  fenced: (t) => ({ op: t.counterKind === 'float' ? 'INCRBYFLOAT' : 'INCRBY', flags: [] }),

  sampleCommands: (key) => [
    ['GET', key],
    ['TTL', key],
  ],
  sample: ([value, ttl]: readonly Reply[]) => ({ ttl: Number(ttl), entries: [{ value: replyText(value) }] }),
  describeSample: (s) => `counter, TTL ${s.ttl} s`,
};
