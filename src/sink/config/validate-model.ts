/**
 * TypeScript front door: typed objects in the model's own shape go through the same validation
 * as JSON bodies and SQL DDL, so a typo in an embedding program fails the same way a typo in a
 * `curl` body does. `validateTable(table)` of an already validated table returns an equal table.
 */

import { lookupType, SQL_TYPES } from '../../schema/column-types.js';
import type { Column, OnError, SinkTable, SqlType, Target } from '../model.js';
import { isTargetField, TARGET_FIELDS, TARGET_TYPES, type TargetField } from '../writers/index.js';
import { checkName, checkTable, type Door, type Field, gotType, orList, Reporter } from './validate.js';

export { defineProfile, type ProfileDefinition } from '../../schema/profile-define.js';

import type { ProfileDefinition } from '../../schema/profile-define.js';
import { profileOf } from '../../schema/profile-define.js';
import { tlsOptionNames } from '../../schema/tls-profile.js';

/** A sink table written in TypeScript: the model's shape, with defaults optional. */
export interface TableDefinition {
  name: string;
  profile: ProfileDefinition;
  target: Target;
  /** Default `'json'`. */
  format?: 'json' | 'raw';
  /** Column types may also be written with the aliases SQL accepts (`'VARCHAR'`, `'INT'`). */
  schema?: Array<{ name: string; type: SqlType | string; nullable?: boolean }>;
  /** Raw format only; when given it must be the column the Raw rule picks. */
  valueColumn?: string;
  /** Default `'fail'`. */
  onError?: OnError;
  /** Default `<name>:dead_letter` with `onError: 'dead_letter'`. */
  deadLetterKey?: string;
  /** Default `'append'`; `'upsert'` applies deletes and retractions (docs/sink.md). */
  mode?: 'append' | 'upsert';
  /** `upsert` tables of lists, streams and channels: write retractions as marked events. */
  deleteEvents?: boolean;
  /** Default {@link DEFAULT_BATCH_SIZE}. */
  batchSize?: number;
  /** Default {@link DEFAULT_FLUSH_INTERVAL_MS}. */
  flushIntervalMs?: number;
  delivery?: 'at_least_once' | 'exactly_once';
  waitReplicas?: number;
  /** Default {@link DEFAULT_CONNECTIONS_PER_NODE}; must be 1 for `exactly_once`. */
  connectionsPerNode?: number;
  /** Default {@link DEFAULT_MAX_PIPELINES_IN_FLIGHT}. */
  maxPipelinesInFlight?: number;
}

const TABLE_KEYS = [
  'name',
  'profile',
  'target',
  'format',
  'schema',
  'valueColumn',
  'onError',
  'mode',
  'deleteEvents',
  'deadLetterKey',
  'batchSize',
  'flushIntervalMs',
  'delivery',
  'waitReplicas',
  'connectionsPerNode',
  'maxPipelinesInFlight',
];
const TARGET_KEYS = ['type', ...TARGET_FIELDS];
const COLUMN_KEYS = ['name', 'type', 'nullable'];

function door(profilePrefix: string): Door {
  const names: Partial<Record<Field, string>> = {
    address: `${profilePrefix}connection.address`,
    addresses: `${profilePrefix}connection.addresses`,
    username: `${profilePrefix}username`,
    password: `${profilePrefix}password`,
    sentinels: `${profilePrefix}connection.sentinels`,
    masterName: `${profilePrefix}connection.masterName`,
    sentinelUsername: `${profilePrefix}connection.sentinelUsername`,
    sentinelPassword: `${profilePrefix}connection.sentinelPassword`,
    ...tlsOptionNames(`${profilePrefix}tls.`),
    targetType: 'target.type',
  };
  return {
    option: (f) => names[f] ?? (isTargetField(f) ? `target.${f}` : f),
    numbersAsText: false,
  };
}

const TABLE_DOOR = door('profile.');

/**
 * Validates a typed sink table (defaults optional) and returns the normalized model.
 *
 * @throws SinkConfigError naming the table and the option.
 */
export function defineTable(table: TableDefinition): SinkTable {
  const obj = new Reporter({ unnamed: true }, TABLE_DOOR).object('table', table);
  const name = checkName(new Reporter({ unnamed: true }, TABLE_DOOR), obj.name);
  const r = new Reporter({ table: name }, TABLE_DOOR);
  r.knownKeys(obj, TABLE_KEYS, '');
  if (obj.profile === undefined) r.failOption('profile', 'is required');
  const profileObj = r.object('profile', obj.profile);
  const profileName = r.string('name', profileObj.name, { required: true })!;
  const profile = profileOf(r, { ...profileObj, name: profileName }, 'profile.');

  if (obj.target === undefined) r.fail('target', 'is required');
  const target = r.object('target', obj.target);
  r.knownKeys(target, TARGET_KEYS, 'target.');
  if (target.type === undefined) r.fail('targetType', `is required (${orList(TARGET_TYPES)})`);
  const fields: Partial<Record<TargetField, unknown>> = {};
  for (const k of TARGET_KEYS)
    if (k !== 'type' && target[k] !== undefined) fields[k as TargetField] = target[k];

  return checkTable(r, {
    name,
    profile,
    targetType: target.type,
    target: fields,
    format: obj.format,
    onError: obj.onError,
    mode: obj.mode,
    deleteEvents: obj.deleteEvents,
    deadLetterKey: obj.deadLetterKey,
    batchSize: obj.batchSize,
    flushIntervalMs: obj.flushIntervalMs,
    delivery: obj.delivery,
    waitReplicas: obj.waitReplicas,
    connectionsPerNode: obj.connectionsPerNode,
    maxPipelinesInFlight: obj.maxPipelinesInFlight,
    valueColumn: obj.valueColumn,
    schema: obj.schema === undefined ? undefined : schemaOf(r, obj.schema),
  });
}

/** Re-validates a model (e.g. one built by hand or deserialized); an already valid model comes back equal. */
export function validateTable(table: SinkTable): SinkTable {
  return defineTable(table);
}

function schemaOf(r: Reporter, value: unknown): Column[] {
  if (!Array.isArray(value)) r.fail('schema', `must be a list of columns (${gotType(value)})`);
  return value.map((c: unknown, i: number) => {
    const path = `schema[${i}]`;
    const col = r.object(path, c);
    r.knownKeys(col, COLUMN_KEYS, `${path}.`);
    if (typeof col.name !== 'string' || col.name === '') {
      r.failOption(`${path}.name`, `must be a non-empty string (${r.got(undefined, col.name)})`);
    }
    const type = typeof col.type === 'string' ? lookupType(col.type) : undefined;
    if (type === undefined) {
      r.failOption(
        `${path}.type`,
        `must be a supported type for column '${col.name}' (${r.got(undefined, col.type)}; supported: ${SQL_TYPES.join(', ')})`,
      );
    }
    if (col.nullable !== undefined && typeof col.nullable !== 'boolean') {
      r.failOption(`${path}.nullable`, `must be true or false (${r.got(undefined, col.nullable)})`);
    }
    return { name: col.name, type, nullable: col.nullable ?? true };
  });
}
