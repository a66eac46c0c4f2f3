import type { Arg } from '../../resp/reply.js';
import type { RowParts } from '../fence/fenced-commands.js';
import { pushByKey } from './by-key.js';
import { hashSample, hashSampleCommands } from './hash-sample.js';
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
  emit,
  type FlushCommands,
  type FlushRows,
  type KeyTemplateOption,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/**
 * A Hash table. Layout `field` (default): each row sets the field named by its field column to
 * the row's value; the rows of one key become one multi-field `HSET` per flush, in row order (a
 * repeated field keeps its last value). Layout `columns`: each row sets one field per column (the
 * shape lookup tables with `value_type = hash` read); a null column is skipped, or removed from
 * the hash (`hashNulls: 'delete'`).
 */
export interface HashTarget extends TtlOptions, KeyTemplateOption {
  type: 'hash';
  /** Required unless `keyTemplate` is given. */
  hashKeyPrefix?: string;
  hashKeyColumn?: string;
  /** Required with the `field` layout. */
  hashFieldColumn?: string;
  /** `field` (default) or `columns`. */
  hashLayout?: 'field' | 'columns';
  /** With the `columns` layout: what a null column does, `skip` (default) or `delete`. */
  hashNulls?: 'skip' | 'delete';
  /** `upsert` (default) or `if_absent` (`HSETNX`: a field already set keeps its value). */
  writeMode?: 'upsert' | 'if_absent';
}

export const HASH_WRITER: TargetWriter<HashTarget> = {
  type: 'hash',
  title: 'Hash',
  redisType: 'hash',
  options: optionsOf<HashTarget>(
    { field: 'hashKeyPrefix', sql: 'sink.hash_key_prefix' },
    { field: 'hashKeyColumn', sql: 'sink.hash_key_column' },
    { field: 'hashFieldColumn', sql: 'sink.hash_field_column' },
    { field: 'hashLayout', sql: 'sink.hash_layout' },
    { field: 'hashNulls', sql: 'sink.hash_nulls' },
    ...KEYED_OPTIONS,
    WRITE_MODE_OPTION,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'hashKeyPrefix', 'hashKeyColumn');
    const layout = c.choice('hashLayout', ['field', 'columns'] as const, false) ?? 'field';
    const out: HashTarget = { type: 'hash', ...keyFields(key, 'hashKeyPrefix', 'hashKeyColumn') };
    if (layout === 'field') {
      out.hashFieldColumn = c.column('hashFieldColumn', true)!;
      if (c.has('hashNulls')) c.fail('hashNulls', "applies only to the 'columns' layout");
    } else {
      if (c.has('hashFieldColumn')) {
        c.fail('hashFieldColumn', "does not apply to the 'columns' layout: each column is a field");
      }
      out.hashLayout = 'columns';
      const nulls = c.choice('hashNulls', ['skip', 'delete'] as const, false);
      if (nulls === 'delete') out.hashNulls = nulls;
    }
    Object.assign(out, checkTtl(c));
    const writeMode = c.choice('writeMode', ['upsert', 'if_absent'] as const, false);
    if (writeMode === 'if_absent') {
      if (layout === 'columns') c.fail('writeMode', "'if_absent' applies only to the 'field' layout");
      out.writeMode = writeMode;
    }
    return out;
  },
  keyPrefix: (t) => t.hashKeyPrefix ?? '',
  keyColumn: (t) => t.hashKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ({
    ...ttlShape(t),
    ...(t.hashLayout === 'columns'
      ? { columns: { nulls: t.hashNulls ?? 'skip' } }
      : { field: { column: t.hashFieldColumn!, kind: 'text', role: 'field' } }),
  }),
  identityColumns: (t) => (t.hashFieldColumn === undefined ? [] : [t.hashFieldColumn]),
  groupedWrites: (t) => (t.writeMode === undefined ? 'replace' : 'refuse'),
  exactlyOnceByDefault: () => false,
  retraction: (t) =>
    t.hashLayout === 'columns'
      ? { kind: 'delete', verb: 'DEL', arg: 'none', overwrite: true }
      : { kind: 'delete', verb: 'HDEL', arg: 'field', overwrite: t.writeMode === undefined },

  commands(t, rows, out) {
    if (t.hashLayout === 'columns') columnCommands(rows, out);
    else if (t.writeMode === 'if_absent') {
      const { keys, fields, values } = rows;
      for (let i = 0; i < keys.length; i++) emit(out, ['HSETNX', keys[i], fields[i], values[i]], 1);
    } else pushByKey('HSET', rows, true, out);
  },
  grouped: (t) =>
    t.hashLayout === 'columns' || t.writeMode === 'if_absent' ? undefined : { verb: 'HSET', flags: [] },
  fenced: (t) =>
    t.hashLayout === 'columns'
      ? { op: 'HCOLS', flags: [], rowArgs: columnArgs }
      : { op: t.writeMode === 'if_absent' ? 'HSETNX' : 'HSET', flags: [] },

  sampleCommands: hashSampleCommands,
  sample: hashSample,
  describeSample: (s) => `hash of ${countText(s.length ?? 0)} fields; ${s.entries.length} of them`,
};

/**
 * One HSET (and one HDEL for nulls that delete) per key: the rows of a key merged in order, so
 * each field ends with its last row's value, as row-by-row commands would leave it.
 */
function columnCommands(rows: FlushRows, out: FlushCommands): void {
  const { pairs, deletes } = rows;
  for (const g of rows.groups()) {
    const last = new Map<string, string | Buffer | null>();
    for (const r of g.rows) {
      const p = pairs[r];
      for (let i = 0; i < p.length; i += 2) last.set(p[i] as string, p[i + 1]);
      const d = deletes[r];
      if (d !== null && d !== undefined) for (const f of d) last.set(f, null);
    }
    const set: Arg[] = ['HSET', g.key];
    const del: Arg[] = ['HDEL', g.key];
    for (const [f, v] of last) {
      if (v === null) del.push(f);
      else set.push(f, v);
    }
    if (set.length > 2) emit(out, set, g.rows.length);
    if (del.length > 2) emit(out, del, set.length > 2 ? 0 : g.rows.length);
    // Rows whose every column was null and skipped change nothing, but were written all the same.
    if (set.length === 2 && del.length === 2) emit(out, ['EXISTS', g.key], g.rows.length);
  }
}

/** A row of the `columns` layout for the fence script: set pairs' count, pairs, deleted fields. */
function columnArgs(rows: RowParts, r: number): Arg[] {
  const p = rows.pairs[r];
  const out: Arg[] = [p.length / 2, ...p];
  const d = rows.deletes[r];
  if (d !== null && d !== undefined) out.push(...d);
  return out;
}
