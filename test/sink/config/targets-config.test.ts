/**
 * The new targets through the three front doors: the same table as a JSON body, a SQL
 * `CREATE TABLE` and a TypeScript definition becomes one model; and each mistake the new options
 * allow is a SinkConfigError naming the table and the option as that door spells it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionProfile } from '../../../src/schema/connection-profile.js';
import {
  defineTable,
  loadSqlParser,
  parseCreateTableSync,
  parseTable,
  SinkConfigError,
  type TableDefinition,
  validateTable,
} from '../../../src/sink/config/index.js';
import type { SinkTable, Target } from '../../../src/sink/model.js';

beforeAll(() => loadSqlParser());

const ADDRESS = 'redis://127.0.0.1:6379';

/** Every target field's SQL option, written out here as the documentation spells it. */
const SQL_NAMES: Record<string, string> = {
  keyPrefix: 'sink.key_prefix',
  keyColumn: 'sink.key_column',
  listPrefix: 'sink.list_prefix',
  listKeyColumn: 'sink.list_key_column',
  maxLength: 'sink.max_length',
  operation: 'sink.operation',
  hashKeyPrefix: 'sink.hash_key_prefix',
  hashKeyColumn: 'sink.hash_key_column',
  hashFieldColumn: 'sink.hash_field_column',
  hashLayout: 'sink.hash_layout',
  hashNulls: 'sink.hash_nulls',
  setPrefix: 'sink.set_prefix',
  setKeyColumn: 'sink.set_key_column',
  sortedSetPrefix: 'sink.sorted_set_prefix',
  sortedSetKeyColumn: 'sink.sorted_set_key_column',
  scoreColumn: 'sink.score_column',
  scoreMode: 'sink.score_mode',
  maxMembers: 'sink.max_members',
  keepMembers: 'sink.keep_members',
  memberColumn: 'sink.member_column',
  counterPrefix: 'sink.counter_prefix',
  counterKeyColumn: 'sink.counter_key_column',
  incrementColumn: 'sink.increment_column',
  counterKind: 'sink.counter_kind',
  hashCounterPrefix: 'sink.hash_counter_prefix',
  hashCounterKeyColumn: 'sink.hash_counter_key_column',
  hashCounterFieldColumn: 'sink.hash_counter_field_column',
  streamPrefix: 'sink.stream_prefix',
  streamKeyColumn: 'sink.stream_key_column',
  streamLayout: 'sink.stream_layout',
  streamRowField: 'sink.stream_row_field',
  streamMaxLength: 'sink.stream_max_length',
  streamTrim: 'sink.stream_trim',
  channelPrefix: 'sink.channel_prefix',
  channelColumn: 'sink.channel_column',
  messageIdField: 'sink.message_id_field',
  keyTemplate: 'sink.key_template',
  ttlSecs: 'sink.ttl_secs',
  ttlColumn: 'sink.ttl_column',
  ttlKind: 'sink.ttl_kind',
  ttlRefresh: 'sink.ttl_refresh',
  writeMode: 'sink.write_mode',
};

/** A table as the tests write it once, rendered by each door. */
interface Spec {
  name: string;
  columns: [string, string][];
  type?: string;
  target: Record<string, string | number>;
  format?: 'json' | 'raw';
  delivery?: 'at_least_once' | 'exactly_once';
  onError?: 'fail' | 'skip' | 'dead_letter';
}

const quote = (v: string | number) => `'${String(v).replaceAll("'", "''")}'`;

function viaSql(s: Spec): SinkTable {
  const options = [`connector = 'redis'`, `address = '${ADDRESS}'`, `type = 'sink'`];
  if (s.type !== undefined) options.push(`'sink.type' = ${quote(s.type)}`);
  for (const [f, v] of Object.entries(s.target)) {
    const name = SQL_NAMES[f];
    if (name === undefined) throw new Error(`no SQL name for ${f}`);
    options.push(`'${name}' = ${quote(v)}`);
  }
  if (s.format !== undefined) options.push(`format = ${quote(s.format)}`);
  if (s.delivery !== undefined) options.push(`'sink.delivery' = ${quote(s.delivery)}`);
  if (s.onError !== undefined) options.push(`'sink.on_error' = ${quote(s.onError)}`);
  const cols = s.columns.map(([n, t]) => `${n} ${t}`).join(', ');
  return parseCreateTableSync(`CREATE TABLE ${s.name} (${cols}) WITH (\n  ${options.join(',\n  ')}\n)`);
}

/** The profile the SQL door makes of `address` (named after the table), given to the others. */
const profileOf = (name: string): ConnectionProfile => ({
  name,
  connection: { kind: 'standalone', address: ADDRESS },
});

function viaJson(s: Spec, withType: boolean): SinkTable {
  const sink: Record<string, unknown> = {};
  if (s.delivery !== undefined) sink.delivery = s.delivery;
  if (s.onError !== undefined) sink.onError = s.onError;
  return parseTable(
    {
      name: s.name,
      connector: 'redis',
      config: {
        connectorType: {
          target: withType && s.type !== undefined ? { type: s.type, ...s.target } : s.target,
        },
        ...(s.format === undefined ? {} : { format: s.format }),
        ...(Object.keys(sink).length === 0 ? {} : { sink }),
      },
      schema: { fields: s.columns.map(([name, data_type]) => ({ name, data_type })) },
    },
    profileOf(s.name),
  );
}

function viaTs(s: Spec): SinkTable {
  return defineTable({
    name: s.name,
    profile: profileOf(s.name),
    target: { type: s.type, ...s.target } as unknown as Target,
    schema: s.columns.map(([name, type]) => ({ name, type })),
    ...(s.format === undefined ? {} : { format: s.format }),
    ...(s.delivery === undefined ? {} : { delivery: s.delivery }),
    ...(s.onError === undefined ? {} : { onError: s.onError }),
  } as TableDefinition);
}

const COLS: [string, string][] = [
  ['k', 'TEXT'],
  ['v', 'TEXT'],
  ['score', 'DOUBLE'],
  ['n', 'BIGINT'],
  ['ttl', 'BIGINT'],
  ['until', 'TIMESTAMP'],
];

interface Same {
  what: string;
  spec: Spec;
  /** The model's target (defaults dropped, choices in canonical spelling). */
  target: Target;
  delivery: 'at_least_once' | 'exactly_once';
  /** JSON may leave `type` out: the type's own fields tell it. */
  inferable?: boolean;
}

const SAME: Same[] = [
  {
    what: 'set with a member column and a fixed TTL',
    spec: {
      name: 'tags',
      columns: COLS,
      type: 'set',
      target: { setPrefix: 'tags:', setKeyColumn: 'k', memberColumn: 'v', ttlSecs: 60 },
    },
    target: { type: 'set', setPrefix: 'tags:', setKeyColumn: 'k', memberColumn: 'v', ttlSecs: 60 },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'set of whole rows in the raw format',
    spec: {
      name: 'raw_set',
      columns: [
        ['k', 'TEXT'],
        ['v', 'TEXT'],
      ],
      type: 'set',
      target: { setPrefix: 's:', setKeyColumn: 'k' },
      format: 'raw',
    },
    target: { type: 'set', setPrefix: 's:', setKeyColumn: 'k' },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'sorted set: greater, bottom N, if_present',
    spec: {
      name: 'board',
      columns: COLS,
      type: 'sorted_set',
      target: {
        sortedSetPrefix: 'board:',
        sortedSetKeyColumn: 'k',
        scoreColumn: 'score',
        memberColumn: 'v',
        scoreMode: 'greater',
        maxMembers: 10,
        keepMembers: 'lowest',
        writeMode: 'if_present',
      },
    },
    target: {
      type: 'sorted_set',
      sortedSetPrefix: 'board:',
      sortedSetKeyColumn: 'k',
      scoreColumn: 'score',
      memberColumn: 'v',
      scoreMode: 'greater',
      maxMembers: 10,
      keepMembers: 'lowest',
      writeMode: 'if_present',
    },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'sorted set: increment, a template with a hash tag, a timestamp TTL set on create',
    spec: {
      name: 'totals',
      columns: COLS,
      type: 'sorted_set',
      target: {
        keyTemplate: 'tot:{{{k}}}:all',
        scoreColumn: 'score',
        memberColumn: 'v',
        scoreMode: 'increment',
        maxMembers: 3,
        keepMembers: 'highest',
        ttlColumn: 'until',
        ttlKind: 'timestamp',
        ttlRefresh: 'on_create',
      },
    },
    target: {
      type: 'sorted_set',
      keyTemplate: 'tot:{{{k}}}:all',
      scoreColumn: 'score',
      memberColumn: 'v',
      scoreMode: 'increment',
      maxMembers: 3,
      ttlColumn: 'until',
      ttlKind: 'timestamp',
      ttlRefresh: 'on_create',
    },
    delivery: 'exactly_once',
    inferable: true,
  },
  {
    what: 'integer counter (exactly once by default)',
    spec: {
      name: 'hits',
      columns: COLS,
      type: 'counter',
      target: { counterPrefix: 'hits:', counterKeyColumn: 'k', incrementColumn: 'n', ttlColumn: 'ttl' },
    },
    target: {
      type: 'counter',
      counterPrefix: 'hits:',
      counterKeyColumn: 'k',
      incrementColumn: 'n',
      ttlColumn: 'ttl',
      counterKind: 'integer',
    },
    delivery: 'exactly_once',
    inferable: true,
  },
  {
    what: 'float counter from a DOUBLE column, at least once',
    spec: {
      name: 'spend',
      columns: COLS,
      type: 'counter',
      target: { counterPrefix: 'spend:', counterKeyColumn: 'k', incrementColumn: 'score' },
      delivery: 'at_least_once',
    },
    target: {
      type: 'counter',
      counterPrefix: 'spend:',
      counterKeyColumn: 'k',
      incrementColumn: 'score',
      counterKind: 'float',
    },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'integer counter stated over a DOUBLE column (the kind survives validating again)',
    spec: {
      name: 'whole',
      columns: COLS,
      type: 'counter',
      target: { counterPrefix: 'w:', incrementColumn: 'score', counterKind: 'integer' },
    },
    target: { type: 'counter', counterPrefix: 'w:', incrementColumn: 'score', counterKind: 'integer' },
    delivery: 'exactly_once',
    inferable: true,
  },
  {
    what: 'hash counter, float kind stated for a BIGINT column',
    spec: {
      name: 'per_day',
      columns: COLS,
      type: 'hash_counter',
      target: {
        hashCounterPrefix: 'day:',
        hashCounterKeyColumn: 'k',
        hashCounterFieldColumn: 'v',
        incrementColumn: 'n',
        counterKind: 'float',
        ttlSecs: 86400,
      },
    },
    target: {
      type: 'hash_counter',
      hashCounterPrefix: 'day:',
      hashCounterKeyColumn: 'k',
      hashCounterFieldColumn: 'v',
      incrementColumn: 'n',
      counterKind: 'float',
      ttlSecs: 86400,
    },
    delivery: 'exactly_once',
    inferable: true,
  },
  {
    what: 'stream of rows in a named field, trimmed exactly',
    spec: {
      name: 'events',
      columns: COLS,
      type: 'stream',
      target: {
        streamPrefix: 'ev:',
        streamKeyColumn: 'k',
        streamRowField: 'payload',
        streamMaxLength: 100,
        streamTrim: 'exact',
      },
    },
    target: {
      type: 'stream',
      streamPrefix: 'ev:',
      streamKeyColumn: 'k',
      streamRowField: 'payload',
      streamMaxLength: 100,
      streamTrim: 'exact',
    },
    delivery: 'exactly_once',
    inferable: true,
  },
  {
    what: 'stream of columns under a template, trimmed approximately (the default)',
    spec: {
      name: 'audit',
      columns: COLS,
      type: 'stream',
      target: {
        keyTemplate: 'audit:{k}:{v}',
        streamLayout: 'columns',
        streamMaxLength: 5,
        streamTrim: 'approximate',
      },
      delivery: 'at_least_once',
    },
    target: { type: 'stream', keyTemplate: 'audit:{k}:{v}', streamLayout: 'columns', streamMaxLength: 5 },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'pub/sub with message ids',
    spec: {
      name: 'feed',
      columns: COLS,
      type: 'pubsub',
      target: { channelPrefix: 'ch:', channelColumn: 'k', messageIdField: '_id' },
    },
    target: { type: 'pubsub', channelPrefix: 'ch:', channelColumn: 'k', messageIdField: '_id' },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'hash of columns, nulls deleted, TTL on create',
    spec: {
      name: 'profiles',
      columns: COLS,
      type: 'hash',
      target: {
        hashKeyPrefix: 'user:',
        hashKeyColumn: 'k',
        hashLayout: 'columns',
        hashNulls: 'delete',
        ttlSecs: 300,
        ttlRefresh: 'on_create',
      },
    },
    target: {
      type: 'hash',
      hashKeyPrefix: 'user:',
      hashKeyColumn: 'k',
      hashLayout: 'columns',
      hashNulls: 'delete',
      ttlSecs: 300,
      ttlRefresh: 'on_create',
    },
    delivery: 'at_least_once',
    inferable: true,
  },
  {
    what: 'string under a template, written if absent, TTL per row',
    spec: {
      name: 'once',
      columns: COLS,
      type: 'string',
      target: {
        keyTemplate: 'once:{k}:{{literal}}',
        writeMode: 'if_absent',
        ttlColumn: 'ttl',
        ttlKind: 'seconds',
      },
    },
    target: {
      type: 'string',
      keyTemplate: 'once:{k}:{{literal}}',
      writeMode: 'if_absent',
      ttlColumn: 'ttl',
      ttlKind: 'seconds',
    },
    delivery: 'at_least_once',
  },
  {
    what: 'list pushed only onto existing lists, under a template',
    spec: {
      name: 'inbox',
      columns: COLS,
      type: 'list',
      target: { keyTemplate: 'inbox:{k}', operation: 'Prepend', writeMode: 'if_present', maxLength: 4 },
    },
    target: {
      type: 'list',
      keyTemplate: 'inbox:{k}',
      operation: 'Prepend',
      writeMode: 'if_present',
      maxLength: 4,
    },
    delivery: 'exactly_once',
    inferable: true,
  },
];

describe('the same table via JSON, SQL and TypeScript is one model', () => {
  it.each(SAME)('$what', (c) => {
    const sql = viaSql(c.spec);
    expect(sql.target).toEqual(c.target);
    expect(sql.delivery).toBe(c.delivery);
    expect(sql.profile).toEqual(profileOf(c.spec.name));
    expect(viaJson(c.spec, true)).toEqual(sql);
    if (c.inferable) expect(viaJson(c.spec, false)).toEqual(sql);
    expect(viaTs(c.spec)).toEqual(sql);
    // A validated model validates to itself.
    expect(validateTable(sql)).toEqual(sql);
  });

  it('choices are case-insensitive in every door and come back in their canonical spelling', () => {
    const spec: Spec = {
      name: 'mixed',
      columns: COLS,
      type: 'sorted_set',
      target: {
        sortedSetPrefix: 'm:',
        scoreColumn: 'score',
        scoreMode: 'LESSER',
        maxMembers: 2,
        keepMembers: 'Lowest',
        writeMode: 'IF_PRESENT',
      },
    };
    const want = {
      type: 'sorted_set',
      sortedSetPrefix: 'm:',
      scoreColumn: 'score',
      scoreMode: 'lesser',
      maxMembers: 2,
      keepMembers: 'lowest',
      writeMode: 'if_present',
    };
    expect(viaSql(spec).target).toEqual(want);
    expect(viaJson(spec, false).target).toEqual(want);
    expect(viaTs(spec).target).toEqual(want);
  });
});

type Door = 'json' | 'sql' | 'ts';
const DOORS: Door[] = ['json', 'sql', 'ts'];

/** A field as `door` spells it in its messages. */
function spelled(door: Door, field: string): string {
  const table: Record<string, Record<Door, string>> = {
    delivery: { json: 'config.sink.delivery', sql: 'sink.delivery', ts: 'delivery' },
    format: { json: 'config.format', sql: 'format', ts: 'format' },
    type: { json: 'config.connectorType.target.type', sql: 'sink.type', ts: 'target.type' },
  };
  if (table[field] !== undefined) return table[field][door];
  return door === 'json'
    ? `config.connectorType.target.${field}`
    : door === 'ts'
      ? `target.${field}`
      : SQL_NAMES[field];
}

function render(door: Door, spec: Spec): () => SinkTable {
  return door === 'sql'
    ? () => viaSql(spec)
    : door === 'json'
      ? () => viaJson(spec, true)
      : () => viaTs(spec);
}

function configError(run: () => unknown): SinkConfigError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SinkConfigError);
    return e as SinkConfigError;
  }
  throw new Error('validated without error');
}

interface Bad {
  what: string;
  spec: Spec;
  /** The field the error names (canonical), spelled per door by {@link spelled}. */
  field: string;
  /** Fragments of the message; `@x` is field `x` as the door spells it. */
  says: string[];
  /** Doors the case applies to (default all three). */
  doors?: Door[];
}

const zset = (target: Record<string, string | number>, extra: Partial<Spec> = {}): Spec => ({
  name: 'zs',
  columns: COLS,
  type: 'sorted_set',
  target: { sortedSetPrefix: 'z:', scoreColumn: 'score', ...target },
  ...extra,
});
const set = (target: Record<string, string | number>, extra: Partial<Spec> = {}): Spec => ({
  name: 'st',
  columns: COLS,
  type: 'set',
  target,
  ...extra,
});
const pubsub = (target: Record<string, string | number>, extra: Partial<Spec> = {}): Spec => ({
  name: 'ps',
  columns: COLS,
  type: 'pubsub',
  target: { channelPrefix: 'ch:', ...target },
  ...extra,
});

const BAD: Bad[] = [
  {
    what: 'a shared option a type does not take (ttlSecs on pubsub)',
    spec: pubsub({ ttlSecs: 5 }),
    field: 'ttlSecs',
    says: ['does not apply to a Pub/Sub target'],
  },
  {
    what: 'writeMode on a counter',
    spec: {
      name: 'c',
      columns: COLS,
      type: 'counter',
      target: { counterPrefix: 'c:', incrementColumn: 'n', writeMode: 'if_absent' },
    },
    field: 'writeMode',
    says: ['does not apply to a Counter target'],
  },
  {
    what: 'keyTemplate together with a prefix',
    spec: set({ setPrefix: 's:', keyTemplate: 's:{k}' }),
    field: 'setPrefix',
    says: ['does not apply with', "'@keyTemplate'"],
  },
  {
    what: 'keyTemplate together with a key column',
    spec: {
      name: 'c',
      columns: COLS,
      type: 'counter',
      target: { keyTemplate: 'c:{k}', counterKeyColumn: 'k', incrementColumn: 'n' },
    },
    field: 'counterKeyColumn',
    says: ['does not apply with', "'@keyTemplate'"],
  },
  {
    what: "a template with an unclosed '{'",
    spec: set({ keyTemplate: 'user:{k' }),
    field: 'keyTemplate',
    says: ["unclosed '{'", 'character 6'],
  },
  {
    what: "a template with a lone '}'",
    spec: set({ keyTemplate: 'user:k}:x' }),
    field: 'keyTemplate',
    says: ["lone '}'", 'character 7'],
  },
  {
    what: "a template with an empty '{}'",
    spec: set({ keyTemplate: 'user:{}:x' }),
    field: 'keyTemplate',
    says: ["empty '{}'"],
  },
  {
    what: 'a template column not in the schema',
    spec: set({ keyTemplate: 'user:{scor}:{v}' }),
    field: 'keyTemplate',
    says: ["names column 'scor', which is not in the schema", "did you mean 'score'"],
  },
  {
    what: 'ttlKind without ttlColumn',
    spec: set({ setPrefix: 's:', ttlKind: 'timestamp', ttlSecs: 5 }),
    field: 'ttlKind',
    says: ["applies only with '@ttlColumn'"],
  },
  {
    what: 'ttlRefresh without a TTL',
    spec: set({ setPrefix: 's:', ttlRefresh: 'on_create' }),
    field: 'ttlRefresh',
    says: ['applies only with'],
  },
  {
    what: 'ttlSecs and ttlColumn both',
    spec: set({ setPrefix: 's:', ttlSecs: 5, ttlColumn: 'ttl' }),
    field: 'ttlColumn',
    says: ['give one TTL'],
  },
  {
    what: 'keepMembers without maxMembers',
    spec: zset({ keepMembers: 'lowest' }),
    field: 'keepMembers',
    says: ["applies only with '@maxMembers'"],
  },
  {
    what: 'writeMode if_absent with scoreMode greater',
    spec: zset({ writeMode: 'if_absent', scoreMode: 'greater' }),
    field: 'writeMode',
    says: ["'if_absent' cannot go with the 'greater' score mode"],
  },
  {
    what: 'exactly_once on pubsub',
    spec: pubsub({}, { delivery: 'exactly_once' }),
    field: 'delivery',
    says: ["cannot be 'exactly_once' for a Pub/Sub target", "'@messageIdField'"],
  },
  {
    what: 'format raw with a member column',
    spec: set({ setPrefix: 's:', memberColumn: 'v' }, { format: 'raw' }),
    field: 'format',
    says: ["'raw' does not apply", 'member column'],
  },
  {
    what: 'format raw with the hash columns layout',
    spec: {
      name: 'h',
      columns: COLS,
      type: 'hash',
      target: { hashKeyPrefix: 'h:', hashLayout: 'columns' },
      format: 'raw',
    },
    field: 'format',
    says: ["'raw' does not apply", 'each column'],
  },
  {
    what: 'messageIdField with the raw format',
    spec: pubsub(
      { channelColumn: 'k', messageIdField: '_id' },
      {
        format: 'raw',
        columns: [
          ['k', 'TEXT'],
          ['v', 'TEXT'],
        ],
      },
    ),
    field: 'messageIdField',
    says: ["applies only to the 'json' format"],
  },
  {
    what: 'messageIdField naming a schema column',
    spec: pubsub({ messageIdField: 'v' }),
    field: 'messageIdField',
    says: ["is 'v', a column of the schema"],
  },
  {
    what: 'incrementColumn of type TEXT',
    spec: {
      name: 'c',
      columns: COLS,
      type: 'counter',
      target: { counterPrefix: 'c:', incrementColumn: 'v' },
    },
    field: 'incrementColumn',
    says: ["names column 'v' of type TEXT", 'BIGINT, INTEGER or DOUBLE'],
  },
  {
    what: 'incrementColumn of a hash counter of type TIMESTAMP',
    spec: {
      name: 'hc',
      columns: COLS,
      type: 'hash_counter',
      target: { hashCounterPrefix: 'h:', hashCounterFieldColumn: 'v', incrementColumn: 'until' },
    },
    field: 'incrementColumn',
    says: ['of type TIMESTAMP'],
  },
  {
    what: 'an unknown score mode',
    spec: zset({ scoreMode: 'max' }),
    field: 'scoreMode',
    says: ["'replace'", "'increment'", "'max'"],
  },
  {
    what: 'streamTrim without streamMaxLength',
    spec: { name: 'x', columns: COLS, type: 'stream', target: { streamPrefix: 'x:', streamTrim: 'exact' } },
    field: 'streamTrim',
    says: ["applies only with '@streamMaxLength'"],
  },
  {
    what: 'streamRowField with the columns layout',
    spec: {
      name: 'x',
      columns: COLS,
      type: 'stream',
      target: { streamPrefix: 'x:', streamLayout: 'columns', streamRowField: 'r' },
    },
    field: 'streamRowField',
    says: ["applies only to the 'row' layout"],
  },
  {
    what: 'hashNulls with the field layout',
    spec: {
      name: 'h',
      columns: COLS,
      type: 'hash',
      target: { hashKeyPrefix: 'h:', hashFieldColumn: 'k', hashNulls: 'delete' },
    },
    field: 'hashNulls',
    says: ["applies only to the 'columns' layout"],
  },
  {
    what: 'a zero maxMembers',
    spec: zset({ maxMembers: 0 }),
    field: 'maxMembers',
    says: ['positive integer'],
  },
  {
    what: 'a score column not in the schema',
    spec: zset({ scoreColumn: 'scor' }),
    field: 'scoreColumn',
    says: ["did you mean 'score'"],
  },
  {
    what: 'only shared fields and no type',
    spec: { name: 'shared', columns: COLS, target: { ttlSecs: 5, memberColumn: 'v' } },
    field: 'type',
    says: ['is required', "'@ttlSecs'", "'@memberColumn'", 'do not tell which type'],
    doors: ['json', 'sql'],
  },
  {
    what: 'no type (TypeScript always states it)',
    spec: { name: 'shared', columns: COLS, target: { ttlSecs: 5, memberColumn: 'v' } },
    field: 'type',
    says: ['is required', "'sorted_set'", "'pubsub'"],
    doors: ['ts'],
  },
];

describe('configuration errors of the new options name the table and the option in each door', () => {
  for (const door of DOORS) {
    const cases = BAD.filter((b) => (b.doors ?? DOORS).includes(door));
    it.each(cases)(`${door} — $what`, (b) => {
      const err = configError(render(door, b.spec));
      const option = spelled(door, b.field);
      expect(err.table).toBe(b.spec.name);
      expect(err.option).toBe(option);
      expect(err.message).toContain(`table '${b.spec.name}': option '${option}' `);
      for (const s of b.says) expect(err.message).toContain(s.replace(/@(\w+)/g, (_, f) => spelled(door, f)));
    });
  }

  it('an unknown option is refused with the nearest known one, in each door', () => {
    const sql = configError(() =>
      parseCreateTableSync(
        `CREATE TABLE zs (k TEXT, score DOUBLE) WITH (connector = 'redis', address = '${ADDRESS}', type = 'sink',
          'sink.type' = 'sorted_set', 'sink.sorted_set_prefix' = 'z:', 'sink.score_colum' = 'score')`,
      ),
    );
    expect(sql).toMatchObject({ table: 'zs', option: 'sink.score_colum' });
    expect(sql.message).toContain("did you mean 'sink.score_column'");
    expect(sql.line).toBe(2);

    const json = configError(() =>
      parseTable(
        {
          name: 'zs',
          connector: 'redis',
          config: {
            connectorType: { target: { sortedSetPrefix: 'z:', scoreColumn: 'score', maxMember: 3 } },
          },
        },
        profileOf('zs'),
      ),
    );
    expect(json).toMatchObject({ table: 'zs', option: 'config.connectorType.target.maxMember' });
    expect(json.message).toContain("did you mean 'config.connectorType.target.maxMembers'");

    const ts = configError(() =>
      defineTable({
        name: 'zs',
        profile: profileOf('zs'),
        target: { type: 'stream', streamPrefix: 'x:', streamMaxLenth: 4 } as unknown as Target,
      }),
    );
    expect(ts).toMatchObject({ table: 'zs', option: 'target.streamMaxLenth' });
    expect(ts.message).toContain("did you mean 'target.streamMaxLength'");

    const sqlTtl = configError(() =>
      parseCreateTableSync(
        `CREATE TABLE c (k TEXT, n BIGINT) WITH (connector = 'redis', address = '${ADDRESS}', type = 'sink',
          'sink.type' = 'counter', 'sink.counter_prefix' = 'c:', 'sink.increment_column' = 'n', 'sink.ttl_sec' = '5')`,
      ),
    );
    expect(sqlTtl).toMatchObject({ table: 'c', option: 'sink.ttl_sec' });
    expect(sqlTtl.message).toContain("did you mean 'sink.ttl_secs'");
  });

  it('JSON: fields of two targets in one body are refused, naming both', () => {
    const err = configError(() =>
      viaJson(
        {
          name: 'mix',
          columns: COLS,
          target: { setPrefix: 's:', counterPrefix: 'c:', incrementColumn: 'n' },
        },
        false,
      ),
    );
    expect(err).toMatchObject({ table: 'mix', option: 'config.connectorType.target' });
    expect(err.message).toContain("Set ('config.connectorType.target.setPrefix')");
    expect(err.message).toContain("Counter ('config.connectorType.target.counterPrefix')");
  });

  it("JSON: a type's own field under another stated type is refused, naming the stated type", () => {
    const err = configError(() =>
      viaJson(
        { name: 'st', columns: COLS, type: 'set', target: { setPrefix: 's:', scoreColumn: 'score' } },
        true,
      ),
    );
    expect(err).toMatchObject({ table: 'st', option: 'config.connectorType.target.scoreColumn' });
    expect(err.message).toContain(
      "does not apply to a Set target ('config.connectorType.target.type' is 'set')",
    );
  });
});
