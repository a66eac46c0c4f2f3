import type { Arg, Reply } from '../../resp/reply.js';
import type { RowParts } from '../fence/fenced-commands.js';
import { checkKey, checkTtl, KEYED_OPTIONS, keyFields, optionsOf, ttlShape } from './shared.js';
import {
  countText,
  emit,
  type KeyTemplateOption,
  replyText,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/**
 * A Stream table: each row is one `XADD key [MAXLEN [~] n] * field value ...` with an ID Redis
 * assigns. Layout `row` (default): one field (`streamRowField`, default `row`) holding the row
 * encoded in the table's format; `columns`: one field per column, null columns left out.
 */
export interface StreamTarget extends TtlOptions, KeyTemplateOption {
  type: 'stream';
  /** Required unless `keyTemplate` is given. */
  streamPrefix?: string;
  streamKeyColumn?: string;
  /** `row` (default) or `columns`. */
  streamLayout?: 'row' | 'columns';
  /** The field holding the encoded row, with the `row` layout. Default `row`. */
  streamRowField?: string;
  /** Entries kept per stream (`MAXLEN`). Positive integer. */
  streamMaxLength?: number;
  /** `approximate` (default: `MAXLEN ~`, which Redis trims in whole nodes, cheaply) or `exact`. */
  streamTrim?: 'approximate' | 'exact';
}

export const DEFAULT_STREAM_ROW_FIELD = 'row';

function xaddHead(t: StreamTarget): string[] {
  if (t.streamMaxLength === undefined) return [];
  return t.streamTrim === 'exact'
    ? ['MAXLEN', String(t.streamMaxLength)]
    : ['MAXLEN', '~', String(t.streamMaxLength)];
}

/**
 * What an XADD of the `row` layout holds between its key and its row's value: `[MAXLEN [~] n] *
 * field` (the per-row pipeline encodes it once per table).
 */
function xaddRowArgs(t: StreamTarget): string[] {
  return [...xaddHead(t), '*', t.streamRowField ?? DEFAULT_STREAM_ROW_FIELD];
}

export const STREAM_WRITER: TargetWriter<StreamTarget> = {
  type: 'stream',
  title: 'Stream',
  redisType: 'stream',
  options: optionsOf<StreamTarget>(
    { field: 'streamPrefix', sql: 'sink.stream_prefix' },
    { field: 'streamKeyColumn', sql: 'sink.stream_key_column' },
    { field: 'streamLayout', sql: 'sink.stream_layout' },
    { field: 'streamRowField', sql: 'sink.stream_row_field' },
    { field: 'streamMaxLength', sql: 'sink.stream_max_length' },
    { field: 'streamTrim', sql: 'sink.stream_trim' },
    ...KEYED_OPTIONS,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'streamPrefix', 'streamKeyColumn');
    const layout = c.choice('streamLayout', ['row', 'columns'] as const, false);
    const rowField = c.name('streamRowField');
    if (rowField !== undefined && layout === 'columns')
      c.fail('streamRowField', "applies only to the 'row' layout");
    const maxLength = c.positiveInteger('streamMaxLength');
    const trim = c.choice('streamTrim', ['approximate', 'exact'] as const, false);
    if (trim !== undefined && maxLength === undefined)
      c.fail('streamTrim', `applies only with ${c.option('streamMaxLength')}`);
    const out: StreamTarget = {
      type: 'stream',
      ...keyFields(key, 'streamPrefix', 'streamKeyColumn'),
      ...checkTtl(c),
    };
    if (layout === 'columns') out.streamLayout = layout;
    if (rowField !== undefined) out.streamRowField = rowField;
    if (maxLength !== undefined) out.streamMaxLength = maxLength;
    if (trim === 'exact') out.streamTrim = trim;
    return out;
  },
  keyPrefix: (t) => t.streamPrefix ?? '',
  keyColumn: (t) => t.streamKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ({ ...ttlShape(t), ...(t.streamLayout === 'columns' ? { columns: { nulls: 'skip' } } : {}) }),
  identityColumns: () => [],
  groupedWrites: () => 'append',
  exactlyOnceByDefault: () => true,
  retraction: () => ({ kind: 'event' }),

  commands(t, rows, out) {
    const { keys, values, pairs } = rows;
    if (t.streamLayout !== 'columns') {
      const middle = xaddRowArgs(t);
      for (let i = 0; i < keys.length; i++) emit(out, ['XADD', keys[i], ...middle, values[i]], 1);
      return;
    }
    const head = xaddHead(t);
    for (let i = 0; i < keys.length; i++) {
      const cmd: Arg[] = ['XADD', keys[i], ...head, '*'];
      const p = pairs[i];
      // XADD needs a field: an entry whose every column is null keeps a marker of it.
      if (p.length === 0) cmd.push('', '');
      else for (let j = 0; j < p.length; j++) cmd.push(p[j]);
      emit(out, cmd, 1);
    }
  },
  perRow: (t) =>
    t.streamLayout === 'columns' || t.ttlColumn !== undefined
      ? undefined
      : { verb: 'XADD', middle: xaddRowArgs(t) },
  fenced: (t) =>
    t.streamLayout === 'columns'
      ? {
          op: 'XADD',
          flags: xaddHead(t),
          rowArgs: (rows: RowParts, r: number) =>
            rows.pairs[r].length === 0 ? ['', ''] : [...rows.pairs[r]],
        }
      : // One field per entry: the field goes once per call (the last flag), each row only its value.
        { op: 'XADDROW', flags: [...xaddHead(t), t.streamRowField ?? DEFAULT_STREAM_ROW_FIELD] },

  sampleCommands: (key, entries) => [
    ['XLEN', key],
    ['XRANGE', key, '-', '+', 'COUNT', entries],
  ],
  sample([length, range]: readonly Reply[]) {
    const entries = (range as Reply[]).map((e) => {
      const [id, fields] = e as Reply[];
      const flat = (fields as Reply[]).map(replyText);
      const parts: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) parts.push(`${flat[i]}=${flat[i + 1]}`);
      return { field: replyText(id), value: parts.join(' ') };
    });
    return { length: Number(length), entries };
  },
  describeSample: (s) => `stream of ${countText(s.length ?? 0)} entries; the first ${s.entries.length}`,
};
