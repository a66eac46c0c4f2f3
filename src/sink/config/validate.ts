/**
 * The one place where sink configuration is validated. Each front door (json.ts, sql-ddl.ts,
 * define.ts) only reshapes its input into a draft of canonical fields holding `unknown` values,
 * and says how it spells each field; every rule below then applies identically to all three.
 */

import { ConfigError } from '../../resp/errors.js';
import { parseRedisUrl } from '../../resp/url.js';
import {
  type Column,
  type ConnectionProfile,
  DEFAULT_BATCH_SIZE,
  DEFAULT_FLUSH_INTERVAL_MS,
  type OnError,
  type RedisConnection,
  type SinkTable,
  type Target,
} from '../model.js';
import { suggestionSuffix } from './did-you-mean.js';
import { SinkConfigError, type SqlPosition } from './errors.js';
import { hasMalformedReference, hasSecretReference } from './secrets.js';

/** Suffix of the default dead-letter list: `<table name>:dead_letter`. */
export const DEFAULT_DEAD_LETTER_SUFFIX = ':dead_letter';
/** The value column of a Raw-format table without a schema. */
export const DEFAULT_RAW_VALUE_COLUMN = 'value';

export type TargetType = Target['type'];
export type TargetField =
  | 'keyPrefix'
  | 'keyColumn'
  | 'ttlSecs'
  | 'listPrefix'
  | 'listKeyColumn'
  | 'maxLength'
  | 'operation'
  | 'hashKeyPrefix'
  | 'hashKeyColumn'
  | 'hashFieldColumn';

/** Fields of each target kind, in the seed's order. */
export const TARGET_FIELDS: Readonly<Record<TargetType, readonly TargetField[]>> = {
  string: ['keyPrefix', 'keyColumn', 'ttlSecs'],
  list: ['listPrefix', 'listKeyColumn', 'maxLength', 'operation'],
  hash: ['hashKeyPrefix', 'hashKeyColumn', 'hashFieldColumn'],
};

/** Every field the validator knows, under its canonical (model) name. */
export type Field =
  | TargetField
  | 'name'
  | 'connector'
  | 'target'
  | 'targetType'
  | 'format'
  | 'onError'
  | 'deadLetterKey'
  | 'batchSize'
  | 'flushIntervalMs'
  | 'delivery'
  | 'waitReplicas'
  | 'schema'
  | 'valueColumn'
  | 'address'
  | 'addresses'
  | 'username'
  | 'password';

/** How one front door spells its options; messages use the user's own spelling. */
export interface Door {
  option(field: Field): string;
  /** Where the field was written (SQL DDL only). */
  position?(field: Field): SqlPosition | undefined;
  /** SQL option values are text: `'86400'` is a number there, while JSON needs `86400`. */
  numbersAsText: boolean;
}

/** Who the error is about: a table (profile options written inside it count as its own) or a profile. */
export type Subject = { table: string } | { profile: string } | { unnamed: true };

/** Options that hold (or may hold) secrets: their values are never part of a message. */
const SECRET_FIELDS: ReadonlySet<Field> = new Set<Field>(['address', 'addresses', 'username', 'password']);

/** Raises errors about one subject in one door's spelling. */
export class Reporter {
  constructor(
    readonly subject: Subject,
    readonly door: Door,
  ) {}

  fail(field: Field | undefined, problem: string, cause?: unknown): never {
    throw new SinkConfigError(problem, {
      ...this.context(),
      option: field === undefined ? undefined : this.door.option(field),
      position: field === undefined ? undefined : this.door.position?.(field),
      cause,
    });
  }

  /** A problem with an option that is not one of the canonical fields (a JSON object level, a column). */
  failOption(option: string, problem: string, position?: SqlPosition): never {
    throw new SinkConfigError(problem, { ...this.context(), option, position });
  }

  private context(): { table?: string; profile?: string } {
    if ('table' in this.subject) return { table: this.subject.table };
    if ('profile' in this.subject) return { profile: this.subject.profile };
    return {};
  }

  /** The value as an object, or an error naming `path`. */
  object(path: string, value: unknown, what = 'an object'): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.failOption(path, `must be ${what} (${gotType(value)})`);
    }
    return value as Record<string, unknown>;
  }

  /** Rejects keys outside `known`, suggesting the closest; a key set to `undefined` counts as absent. */
  knownKeys(obj: Record<string, unknown>, known: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key) && obj[key] !== undefined) {
        this.unknown(
          path + key,
          known.map((k) => path + k),
        );
      }
    }
  }

  /** An option this door does not know, with a suggestion drawn from those it does. */
  unknown(option: string, known: readonly string[], position?: SqlPosition): never {
    throw new SinkConfigError(`is not a known option${suggestionSuffix(option, known)}`, {
      ...this.context(),
      option,
      position,
    });
  }

  /** `(got 'x')` for harmless values; a bare type description for secrets. */
  got(field: Field | undefined, value: unknown): string {
    if (field !== undefined && SECRET_FIELDS.has(field)) return gotType(value);
    if (typeof value === 'string') {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `got '${shown}'`;
    }
    if (typeof value === 'number' || typeof value === 'boolean') return `got ${String(value)}`;
    return `got ${describeType(value)}`;
  }

  string(field: Field, value: unknown, { required = false, nonEmpty = true } = {}): string | undefined {
    if (value === undefined) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') this.fail(field, `must be a string (${this.got(field, value)})`);
    if (nonEmpty && value === '') this.fail(field, 'must not be empty');
    if (SECRET_FIELDS.has(field) && hasMalformedReference(value)) {
      this.fail(
        field,
        'has a malformed {{ VAR }} reference (expected {{ NAME }} with NAME of letters, digits, _)',
      );
    }
    return value;
  }

  positiveInteger(field: Field, value: unknown): number | undefined {
    if (value === undefined) return undefined;
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && this.door.numbersAsText && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) {
      n = Number(value);
    }
    if (n === undefined) {
      const expected = this.door.numbersAsText ? 'a positive integer' : 'a positive integer (a JSON number)';
      this.fail(field, `must be ${expected} (${this.got(field, value)})`);
    }
    if (!Number.isSafeInteger(n) || n <= 0)
      this.fail(field, `must be a positive integer (${this.got(field, value)})`);
    return n;
  }

  /** Case-insensitive choice among `choices` (canonical spelling of each). */
  oneOf<T extends string>(field: Field, value: unknown, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    const list = choices.map((c) => `'${c}'`).join(', ');
    if (typeof value !== 'string') this.fail(field, `must be one of ${list} (${this.got(field, value)})`);
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found === undefined) this.fail(field, `must be one of ${list} (${this.got(field, value)})`);
    return found;
  }
}

/** `got a string`: the kind of value only, for values that may hold anything (a whole body). */
export function gotType(value: unknown): string {
  return `got ${describeType(value)}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// Connector, profile

/** `connector` must be `redis` (case-insensitive) and is required. */
export function checkConnector(r: Reporter, value: unknown): void {
  if (value === undefined) r.fail('connector', "is required ('redis')");
  if (typeof value !== 'string' || value.toLowerCase() !== 'redis') {
    r.fail('connector', `must be 'redis' (${r.got('connector', value)})`);
  }
}

/** The name of a table or profile: a non-empty string. */
export function checkName(r: Reporter, value: unknown): string {
  return r.string('name', value, { required: true })!;
}

/** Profile fields before validation; `address`/`addresses` as written in the door. */
export interface ProfileDraft {
  name: string;
  address?: unknown;
  addresses?: unknown;
  username?: unknown;
  password?: unknown;
}

export function checkProfile(r: Reporter, draft: ProfileDraft): ConnectionProfile {
  const hasOne = draft.address !== undefined;
  const hasMany = draft.addresses !== undefined;
  if (hasOne && hasMany) {
    r.fail(
      'addresses',
      `cannot be combined with '${r.door.option('address')}': give one address or cluster addresses`,
    );
  }
  let connection: RedisConnection;
  if (hasOne) {
    connection = { kind: 'standalone', address: checkAddress(r, 'address', draft.address) };
  } else if (hasMany) {
    if (!Array.isArray(draft.addresses) || draft.addresses.length === 0) {
      r.fail('addresses', `must be a non-empty list of Redis URLs (${r.got('addresses', draft.addresses)})`);
    }
    connection = { kind: 'cluster', addresses: draft.addresses.map((a) => checkAddress(r, 'addresses', a)) };
  } else {
    r.fail(
      'address',
      `is required: give '${r.door.option('address')}' (one node) or '${r.door.option('addresses')}' (cluster)`,
    );
  }
  const profile: ConnectionProfile = { name: draft.name, connection };
  const username = r.string('username', draft.username);
  const password = r.string('password', draft.password);
  if (username !== undefined) profile.username = username;
  if (password !== undefined) profile.password = password;
  return profile;
}

function checkAddress(r: Reporter, field: 'address' | 'addresses', value: unknown): string {
  const address = r.string(field, value, { required: true })!;
  // An address holding {{ VAR }} is checked once resolved, by the process that connects.
  if (!hasSecretReference(address)) {
    try {
      parseRedisUrl(address);
    } catch (e) {
      // parseRedisUrl never echoes the URL (it may hold a password), so its reason is safe to show.
      const reason = e instanceof ConfigError ? e.message : 'invalid Redis URL';
      r.fail(field, `is not a valid Redis URL: ${reason}`, e);
    }
  }
  return address;
}

// ---------------------------------------------------------------------------------------------
// Table

/** Table fields before validation, under canonical names. */
export interface TableDraft {
  name: string;
  profile: ConnectionProfile;
  /** Explicit target kind (SQL `'sink.type'`, TS `target.type`); undefined: inferred from the fields. */
  targetType?: unknown;
  target: Partial<Record<TargetField, unknown>>;
  format?: unknown;
  onError?: unknown;
  deadLetterKey?: unknown;
  batchSize?: unknown;
  flushIntervalMs?: unknown;
  delivery?: unknown;
  waitReplicas?: unknown;
  /** Only the TypeScript door may state it (re-validating a model); it must match the rule. */
  valueColumn?: unknown;
  /** Already parsed by the door (types looked up); checked here for duplicates. */
  schema?: Column[];
}

const TARGET_TYPES: readonly TargetType[] = ['string', 'list', 'hash'];
const TYPE_TITLE: Readonly<Record<TargetType, string>> = { string: 'String', list: 'List', hash: 'Hash' };
const ON_ERROR: readonly OnError[] = ['fail', 'skip', 'dead_letter'];

export function checkTable(r: Reporter, draft: TableDraft): SinkTable {
  const schema = draft.schema === undefined ? undefined : checkSchema(r, draft.schema);
  const target = checkTarget(r, draft, schema);
  const format = r.oneOf('format', draft.format, ['json', 'raw'] as const) ?? 'json';
  const onError = r.oneOf('onError', draft.onError, ON_ERROR) ?? 'fail';
  const table: SinkTable = {
    name: draft.name,
    profile: draft.profile,
    target,
    format,
    onError,
    batchSize: r.positiveInteger('batchSize', draft.batchSize) ?? DEFAULT_BATCH_SIZE,
    flushIntervalMs: r.positiveInteger('flushIntervalMs', draft.flushIntervalMs) ?? DEFAULT_FLUSH_INTERVAL_MS,
    delivery:
      r.oneOf('delivery', draft.delivery, ['at_least_once', 'exactly_once'] as const) ??
      (target.type === 'list' ? 'exactly_once' : 'at_least_once'),
  };
  const waitReplicas = r.positiveInteger('waitReplicas', draft.waitReplicas);
  if (waitReplicas !== undefined) table.waitReplicas = waitReplicas;
  if (schema !== undefined) table.schema = schema;

  const deadLetterKey = r.string('deadLetterKey', draft.deadLetterKey);
  if (deadLetterKey !== undefined && onError !== 'dead_letter') {
    r.fail('deadLetterKey', `applies only when '${r.door.option('onError')}' is 'dead_letter'`);
  }
  if (onError === 'dead_letter')
    table.deadLetterKey = deadLetterKey ?? draft.name + DEFAULT_DEAD_LETTER_SUFFIX;

  if (format === 'raw') {
    table.valueColumn = rawValueColumn(r, target, schema, draft.valueColumn);
  } else if (draft.valueColumn !== undefined) {
    r.fail('valueColumn', "applies only to the 'raw' format");
  }
  return table;
}

function checkSchema(r: Reporter, columns: Column[]): Column[] {
  if (columns.length === 0) r.fail('schema', 'must declare at least one column');
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) r.fail('schema', `declares column '${c.name}' twice`);
    seen.add(c.name);
  }
  return columns;
}

function checkTarget(r: Reporter, draft: TableDraft, schema: Column[] | undefined): Target {
  const present = (type: TargetType) => TARGET_FIELDS[type].filter((f) => draft.target[f] !== undefined);
  let type = r.oneOf('targetType', draft.targetType, TARGET_TYPES);
  if (type !== undefined) {
    for (const other of TARGET_TYPES) {
      const stray = other === type ? [] : present(other);
      if (stray.length > 0) {
        r.fail(
          stray[0],
          `does not apply to a ${TYPE_TITLE[type]} target ('${r.door.option('targetType')}' is '${type}')`,
        );
      }
    }
  } else {
    const kinds = TARGET_TYPES.filter((t) => present(t).length > 0);
    if (kinds.length === 0) {
      const firsts = TARGET_TYPES.map((t) => `'${r.door.option(TARGET_FIELDS[t][0])}' (${TYPE_TITLE[t]})`);
      r.fail('target', `is required: give ${firsts.join(', ')} with its fields`);
    }
    if (kinds.length > 1) {
      const parts = kinds.map(
        (t) =>
          `${TYPE_TITLE[t]} (${present(t)
            .map((f) => `'${r.door.option(f)}'`)
            .join(', ')})`,
      );
      r.fail('target', `mixes fields of different targets: ${parts.join(' and ')}; use one of them`);
    }
    type = kinds[0];
  }

  const t = draft.target;
  const column = (field: TargetField, required: boolean): string | undefined => {
    const name = r.string(field, t[field], { required });
    if (name !== undefined && schema !== undefined && !schema.some((c) => c.name === name)) {
      const names = schema.map((c) => c.name);
      r.fail(field, `names column '${name}', which is not in the schema${suggestionSuffix(name, names)}`);
    }
    return name;
  };
  const prefix = (field: TargetField): string =>
    r.string(field, t[field], { required: true, nonEmpty: false })!;

  switch (type) {
    case 'string': {
      const out: Target = { type, keyPrefix: prefix('keyPrefix') };
      const keyColumn = column('keyColumn', false);
      const ttlSecs = r.positiveInteger('ttlSecs', t.ttlSecs);
      if (keyColumn !== undefined) out.keyColumn = keyColumn;
      if (ttlSecs !== undefined) out.ttlSecs = ttlSecs;
      return out;
    }
    case 'list': {
      const listPrefix = prefix('listPrefix');
      const listKeyColumn = column('listKeyColumn', false);
      const maxLength = r.positiveInteger('maxLength', t.maxLength);
      if (t.operation === undefined) r.fail('operation', "is required ('Append' or 'Prepend')");
      const operation = r.oneOf('operation', t.operation, ['Append', 'Prepend'] as const)!;
      const out: Target = { type, listPrefix, operation };
      if (listKeyColumn !== undefined) out.listKeyColumn = listKeyColumn;
      if (maxLength !== undefined) out.maxLength = maxLength;
      return out;
    }
    case 'hash': {
      const hashKeyPrefix = prefix('hashKeyPrefix');
      const hashKeyColumn = column('hashKeyColumn', false);
      const hashFieldColumn = column('hashFieldColumn', true)!;
      return hashKeyColumn === undefined
        ? { type, hashKeyPrefix, hashFieldColumn }
        : { type, hashKeyPrefix, hashKeyColumn, hashFieldColumn };
    }
  }
}

/** Columns that make the key or hash field; they never count as the Raw value. */
export function keyColumns(target: Target): string[] {
  const cols =
    target.type === 'string'
      ? [target.keyColumn]
      : target.type === 'list'
        ? [target.listKeyColumn]
        : [target.hashKeyColumn, target.hashFieldColumn];
  return cols.filter((c): c is string => c !== undefined);
}

/**
 * Raw format writes one column's bytes: the one column that is not a key/field column, or the
 * column named `value`. Without a schema, rows are only known at write time, so the rule is
 * fixed up front: the value is the column named `value`.
 */
function rawValueColumn(r: Reporter, target: Target, schema: Column[] | undefined, stated: unknown): string {
  let derived: string;
  if (schema === undefined) {
    derived = DEFAULT_RAW_VALUE_COLUMN;
    if (keyColumns(target).includes(derived)) {
      r.fail(
        'format',
        `'raw' without a schema writes the column 'value', which is used as a key or field column`,
      );
    }
  } else {
    const keys = keyColumns(target);
    const candidates = schema.map((c) => c.name).filter((n) => !keys.includes(n));
    if (candidates.length === 1) derived = candidates[0];
    else if (candidates.includes(DEFAULT_RAW_VALUE_COLUMN)) derived = DEFAULT_RAW_VALUE_COLUMN;
    else {
      const listed = candidates.length === 0 ? 'none' : candidates.map((c) => `'${c}'`).join(', ');
      r.fail(
        'format',
        `is 'raw', which needs exactly one value column besides the key/field columns, or one named 'value' (value columns: ${listed})`,
      );
    }
  }
  if (stated !== undefined && stated !== derived) {
    r.fail(
      'valueColumn',
      `must be '${derived}', the column the 'raw' format writes (${r.got('valueColumn', stated)})`,
    );
  }
  return derived;
}
