import type { Reply } from '../../resp/reply.js';
import { pushByKey } from './by-key.js';
import { type KeepScore, zaddByMember } from './member-scores.js';
import {
  checkKey,
  checkTtl,
  KEYED_OPTIONS,
  keyFields,
  MEMBER_COLUMN_OPTION,
  NUMERIC_TYPES,
  optionsOf,
  ttlShape,
  WRITE_MODE_OPTION,
  WRITE_MODES,
  type WriteMode,
} from './shared.js';
import {
  countText,
  emit,
  type KeyTemplateOption,
  replyText,
  type TargetWriter,
  type TtlOptions,
} from './writer.js';

/** What a row's score does to its member's: `ZADD`, `ZINCRBY`, `ZADD GT`, `ZADD LT`. */
export type ScoreMode = 'replace' | 'increment' | 'greater' | 'lesser';
const SCORE_MODES: readonly ScoreMode[] = ['replace', 'increment', 'greater', 'lesser'];

/**
 * A Sorted Set table: each row sets (or adds to) its member's score. The member is its member
 * column's text or the row encoded in the table's format. The rows of one key become one variadic
 * `ZADD` per flush (one `ZINCRBY` per row in `increment` mode); with `maxMembers` one
 * `ZREMRANGEBYRANK` per key then keeps the highest (or lowest) N.
 */
export interface SortedSetTarget extends TtlOptions, KeyTemplateOption {
  type: 'sorted_set';
  /** Required unless `keyTemplate` is given. */
  sortedSetPrefix?: string;
  sortedSetKeyColumn?: string;
  /** The score's column: a finite number. */
  scoreColumn: string;
  /** The member's column; undefined: the encoded row is the member. */
  memberColumn?: string;
  /** Default `replace`. */
  scoreMode?: ScoreMode;
  /** Members kept per key after each flush. Positive integer. */
  maxMembers?: number;
  /** Which members `maxMembers` keeps: `highest` (default) or `lowest` scores. */
  keepMembers?: 'highest' | 'lowest';
  /** `upsert` (default), `if_absent` (`NX`: new members only) or `if_present` (`XX`). */
  writeMode?: WriteMode;
}

function zaddFlags(t: SortedSetTarget): string[] {
  const flags: string[] = [];
  if (t.writeMode === 'if_absent') flags.push('NX');
  else if (t.writeMode === 'if_present') flags.push('XX');
  if (t.scoreMode === 'greater') flags.push('GT');
  else if (t.scoreMode === 'lesser') flags.push('LT');
  return flags;
}

/**
 * Which score of a member repeated within a flush `ZADD` keeps (writers/member-scores.ts), for a
 * table whose members come from a column (repeats are then the rule, a leaderboard's players);
 * undefined for increments (summing floats could round differently from Redis adding them in
 * turn) and for members that are whole encoded rows.
 */
function keepScoreOf(t: SortedSetTarget): KeepScore | undefined {
  if (t.scoreMode === 'increment' || t.memberColumn === undefined) return undefined;
  if (t.writeMode === 'if_absent') return 'first';
  if (t.scoreMode === 'greater') return 'max';
  if (t.scoreMode === 'lesser') return 'min';
  return 'last';
}

export const SORTED_SET_WRITER: TargetWriter<SortedSetTarget> = {
  type: 'sorted_set',
  title: 'Sorted Set',
  redisType: 'zset',
  options: optionsOf<SortedSetTarget>(
    { field: 'sortedSetPrefix', sql: 'sink.sorted_set_prefix' },
    { field: 'sortedSetKeyColumn', sql: 'sink.sorted_set_key_column' },
    { field: 'scoreColumn', sql: 'sink.score_column' },
    { field: 'scoreMode', sql: 'sink.score_mode' },
    { field: 'maxMembers', sql: 'sink.max_members' },
    { field: 'keepMembers', sql: 'sink.keep_members' },
    MEMBER_COLUMN_OPTION,
    ...KEYED_OPTIONS,
    WRITE_MODE_OPTION,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'sortedSetPrefix', 'sortedSetKeyColumn');
    const scoreColumn = c.column('scoreColumn', true)!;
    const declared = c.columnType(scoreColumn);
    if (declared !== undefined && !NUMERIC_TYPES.includes(declared)) {
      c.fail(
        'scoreColumn',
        `names column '${scoreColumn}' of type ${declared}; a score must be BIGINT, INTEGER or DOUBLE`,
      );
    }
    const scoreMode = c.choice('scoreMode', SCORE_MODES, false);
    const maxMembers = c.positiveInteger('maxMembers');
    const keepMembers = c.choice('keepMembers', ['highest', 'lowest'] as const, false);
    if (keepMembers !== undefined && maxMembers === undefined)
      c.fail('keepMembers', `applies only with ${c.option('maxMembers')}`);
    const memberColumn = c.column('memberColumn', false);
    const out: SortedSetTarget = {
      type: 'sorted_set',
      ...keyFields(key, 'sortedSetPrefix', 'sortedSetKeyColumn'),
      scoreColumn,
      ...checkTtl(c),
    };
    const writeMode = c.choice('writeMode', WRITE_MODES, false);
    if (writeMode === 'if_absent' && (scoreMode === 'greater' || scoreMode === 'lesser')) {
      c.fail(
        'writeMode',
        `'if_absent' cannot go with the '${scoreMode}' score mode (Redis refuses ZADD NX with GT or LT)`,
      );
    }
    if (memberColumn !== undefined) out.memberColumn = memberColumn;
    if (scoreMode !== undefined && scoreMode !== 'replace') out.scoreMode = scoreMode;
    if (maxMembers !== undefined) out.maxMembers = maxMembers;
    if (keepMembers === 'lowest') out.keepMembers = keepMembers;
    if (writeMode !== undefined && writeMode !== 'upsert') out.writeMode = writeMode;
    return out;
  },
  keyPrefix: (t) => t.sortedSetPrefix ?? '',
  keyColumn: (t) => t.sortedSetKeyColumn,
  keyTemplate: (t) => t.keyTemplate,
  // ZADD's arguments are score then member: the score rides in each row's field.
  shape: (t) => ({
    ...ttlShape(t),
    field: { column: t.scoreColumn, kind: 'number', role: 'score' },
    ...(t.memberColumn === undefined
      ? {}
      : { value: { column: t.memberColumn, kind: 'text', role: 'member' } }),
  }),
  identityColumns: (t) => (t.memberColumn === undefined ? [] : [t.memberColumn]),
  groupedWrites: (t) => (t.scoreMode === undefined && t.writeMode === undefined ? 'replace' : 'refuse'),
  exactlyOnceByDefault: (t) => t.scoreMode === 'increment',
  // A member's score is what a row sets (or, incrementing, adds): a retraction removes the member
  // (or takes its increment back).
  retraction: (t) =>
    t.scoreMode === 'increment'
      ? { kind: 'negate', part: 'field' }
      : { kind: 'delete', verb: 'ZREM', arg: 'value', overwrite: false },

  commands(t, rows, out) {
    if (t.scoreMode !== 'increment') {
      const keep = keepScoreOf(t);
      if (keep !== undefined) zaddByMember(rows, zaddFlags(t), keep, out);
      else pushByKey('ZADD', rows, true, out, zaddFlags(t));
      return;
    }
    const { keys, fields, values } = rows;
    const flags = zaddFlags(t);
    for (let i = 0; i < keys.length; i++) {
      // ZINCRBY has no NX/XX: ZADD INCR does, one member per call.
      emit(
        out,
        flags.length === 0
          ? ['ZINCRBY', keys[i], fields[i], values[i]]
          : ['ZADD', keys[i], ...flags, 'INCR', fields[i], values[i]],
        1,
      );
    }
  },
  trim(t, key) {
    if (t.maxMembers === undefined) return undefined;
    const n = t.maxMembers;
    // Ranks count from the lowest score: keeping the highest N removes ranks 0 .. -(N+1).
    return t.keepMembers === 'lowest'
      ? ['ZREMRANGEBYRANK', key, n, -1]
      : ['ZREMRANGEBYRANK', key, 0, -(n + 1)];
  },
  grouped: (t) => (t.scoreMode === 'increment' ? undefined : { verb: 'ZADD', flags: zaddFlags(t) }),
  memberScores: (t) => keepScoreOf(t),
  fenced: (t) =>
    t.scoreMode === 'increment'
      ? { op: 'ZINCRBY', flags: zaddFlags(t) }
      : { op: 'ZADD', flags: zaddFlags(t) },

  sampleCommands: (key, entries) => [
    ['ZCARD', key],
    ['ZRANGE', key, 0, entries - 1, 'REV', 'WITHSCORES'],
  ],
  sample([length, top]: readonly Reply[]) {
    // RESP3 answers WITHSCORES as [member, score] pairs, RESP2 as one flat list.
    const flat = (top as Reply[]).flatMap((e) => (Array.isArray(e) ? e : [e])).map(replyText);
    const entries: { field: string; value: string }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ field: flat[i + 1], value: flat[i] });
    return { length: Number(length), entries };
  },
  describeSample: (s) => `sorted set of ${countText(s.length ?? 0)}; the ${s.entries.length} highest scores`,
};
