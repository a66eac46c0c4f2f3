import type { Arg, Reply } from '../../resp/reply.js';
import {
  checkKey,
  checkTtl,
  KEYED_OPTIONS,
  keyFields,
  optionsOf,
  ttlShape,
  WRITE_MODE_OPTION,
  WRITE_MODES,
  type WriteMode,
} from './shared.js';
import { emit, type KeyTemplateOption, replyText, type TargetWriter, type TtlOptions } from './writer.js';

/**
 * A String table: each row is `SET <prefix><key column> <value> [EX ttlSecs | PXAT at] [NX|XX]`.
 * The key comes from prefix + key column, or from a key template.
 */
export interface StringTarget extends TtlOptions, KeyTemplateOption {
  type: 'string';
  /** Required unless `keyTemplate` is given. */
  keyPrefix?: string;
  keyColumn?: string;
  /** `upsert` (default), `if_absent` (`SET ... NX`) or `if_present` (`SET ... XX`). */
  writeMode?: WriteMode;
}

/** The flags after SET's value that do not depend on the row. */
function setFlags(t: StringTarget): string[] {
  const flags: string[] = [];
  if (t.writeMode === 'if_absent') flags.push('NX');
  else if (t.writeMode === 'if_present') flags.push('XX');
  // A SET drops the key's TTL unless told to keep it: with `on_create` the TTL follows as EXPIRE NX.
  if (t.ttlRefresh === 'on_create') flags.push('KEEPTTL');
  return flags;
}

export const STRING_WRITER: TargetWriter<StringTarget> = {
  type: 'string',
  title: 'String',
  redisType: 'string',
  options: optionsOf<StringTarget>(
    { field: 'keyPrefix', sql: 'sink.key_prefix' },
    { field: 'keyColumn', sql: 'sink.key_column' },
    ...KEYED_OPTIONS,
    WRITE_MODE_OPTION,
  ),
  keysRepeat: false,

  check(c) {
    const key = checkKey(c, 'keyPrefix', 'keyColumn');
    const ttl = checkTtl(c);
    const writeMode = c.choice('writeMode', WRITE_MODES, false);
    const out: StringTarget = { type: 'string', ...keyFields(key, 'keyPrefix', 'keyColumn'), ...ttl };
    if (writeMode !== undefined && writeMode !== 'upsert') out.writeMode = writeMode;
    return out;
  },
  keyPrefix: (t) => t.keyPrefix ?? '',
  keyColumn: (t) => t.keyColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) => ttlShape(t),
  identityColumns: () => [],
  groupedWrites: (t) => (t.writeMode === undefined ? 'replace' : 'refuse'),
  exactlyOnceByDefault: () => false,
  retraction: (t) => ({ kind: 'delete', verb: 'DEL', arg: 'none', overwrite: t.writeMode === undefined }),

  perRow: (t) =>
    t.ttlColumn === undefined && t.ttlRefresh === undefined && t.writeMode === undefined
      ? { verb: 'SET', tail: t.ttlSecs === undefined ? [] : ['EX', String(t.ttlSecs)], remove: 'DEL' }
      : undefined,
  ttlInline: (t, fenced) => t.ttlRefresh !== 'on_create' && (t.ttlColumn === undefined || !fenced),

  commands(t, rows, out) {
    const { keys, values, ttls } = rows;
    const flags = setFlags(t);
    // The TTL's text once per flush, not once per row.
    const ttl =
      t.ttlRefresh === 'on_create' ? undefined : t.ttlSecs === undefined ? undefined : String(t.ttlSecs);
    const perRow = t.ttlColumn !== undefined && t.ttlRefresh !== 'on_create';
    const ttlFlag = t.ttlKind === 'timestamp' ? 'PXAT' : 'EX';
    const { commands, rowsPerCommand } = out;
    if (flags.length === 0 && !perRow) {
      // The common tables: one array literal per row, nothing grown.
      for (let i = 0; i < keys.length; i++) {
        commands.push(
          ttl === undefined ? ['SET', keys[i], values[i]] : ['SET', keys[i], values[i], 'EX', ttl],
        );
        rowsPerCommand.push(1);
      }
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const cmd: Arg[] = ['SET', keys[i], values[i]];
      if (ttl !== undefined) cmd.push('EX', ttl);
      else if (perRow) cmd.push(ttlFlag, ttls[i]);
      for (const f of flags) cmd.push(f);
      emit(out, cmd, 1);
    }
  },
  fenced: (t) => {
    const flags = setFlags(t);
    if (t.ttlSecs !== undefined && t.ttlRefresh !== 'on_create') flags.unshift('EX', String(t.ttlSecs));
    return { op: 'SET', flags };
  },

  sampleCommands: (key) => [
    ['GET', key],
    ['TTL', key],
  ],
  sample: ([value, ttl]: readonly Reply[]) => ({ ttl: Number(ttl), entries: [{ value: replyText(value) }] }),
  describeSample: (s) => `TTL ${s.ttl} s`,
};
