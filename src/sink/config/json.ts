/**
 * JSON front door: the REST bodies of the Laminar Redis connector documentation (`POST /v1/connection_profiles`,
 * `POST /v1/connection_tables`). Target fields follow Arroyo's redis connector table schema; the
 * target kind is inferred from which fields are present. Options that documentation does not show live in
 * `config.format` and `config.sink` (see docs/configuration.md).
 *
 * ```json
 * { "name": "user_sessions", "connector": "redis", "connectionProfileId": "prof_redis123",
 *   "config": { "connectorType": { "target": { "keyPrefix": "session:", "keyColumn": "session_id" } },
 *               "format": "json",
 *               "sink": { "onError": "dead_letter", "deadLetterKey": "sessions:bad", "batchSize": 500,
 *                         "flushIntervalMs": 50 } },
 *   "schema": { "fields": [{ "name": "session_id", "data_type": "TEXT", "nullable": false }] } }
 * ```
 */

import { lookupType, SQL_TYPES } from '../../schema/column-types.js';
import type { ConnectionProfile } from '../../schema/connection-profile.js';
import { checkConnector, checkName, checkProfile } from '../../schema/profile-check.js';
import { gotType } from '../../schema/reporter.js';
import type { Column } from '../../schema/sql-type.js';
import { TLS_KEYS, type TlsProfile, tlsDraftOf, tlsOptionNames } from '../../schema/tls-profile.js';
import type { SinkTable } from '../model.js';
import { isTargetField, TARGET_FIELDS, type TargetField } from '../writers/index.js';
import {
  ARROYO_SCHEMA_KEYS,
  type ArroyoSchemaOptions,
  arroyoColumn,
  arroyoSchemaOptions,
  isArroyoField,
} from './arroyo-json.js';
import { checkTable, type Door, type Field, Reporter } from './validate.js';

const PROFILE_KEYS = ['name', 'connector', 'config'];
const PROFILE_CONFIG_KEYS = ['connection', 'username', 'password', 'tls'];
const TLS_PATH = 'config.tls';
const CONNECTION_KEYS = ['address', 'addresses', 'sentinel'];
const SENTINEL_KEYS = ['addresses', 'masterName', 'username', 'password'];
const SENTINEL_PATH = 'config.connection.sentinel';
/** `connection_profile_id`: Arroyo's spelling of `connectionProfileId`. */
const TABLE_KEYS = ['name', 'connector', 'connectionProfileId', 'connection_profile_id', 'config', 'schema'];
const TABLE_CONFIG_KEYS = ['connectorType', 'format', 'sink'];
const CONNECTOR_TYPE_KEYS = ['target', 'lookup'];
/** A target's fields, and `type`: optional where its fields tell the type, required where they do not. */
const TARGET_KEYS: readonly string[] = ['type', ...TARGET_FIELDS];
const SINK_KEYS = [
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
const SCHEMA_KEYS = ['fields', ...ARROYO_SCHEMA_KEYS];
const FIELD_KEYS = ['name', 'data_type', 'nullable'];

const TARGET_PATH = 'config.connectorType.target';

/** JSON spelling of each canonical field (a path in the body); a target's are under {@link TARGET_PATH}. */
const JSON_OPTIONS: Readonly<Record<Exclude<Field, TargetField>, string>> = {
  name: 'name',
  connector: 'connector',
  address: 'config.connection.address',
  addresses: 'config.connection.addresses',
  username: 'config.username',
  password: 'config.password',
  sentinels: `${SENTINEL_PATH}.addresses`,
  masterName: `${SENTINEL_PATH}.masterName`,
  sentinelUsername: `${SENTINEL_PATH}.username`,
  sentinelPassword: `${SENTINEL_PATH}.password`,
  ...tlsOptionNames(`${TLS_PATH}.`),
  target: TARGET_PATH,
  targetType: `${TARGET_PATH}.type`,
  format: 'config.format',
  onError: 'config.sink.onError',
  mode: 'config.sink.mode',
  deleteEvents: 'config.sink.deleteEvents',
  deadLetterKey: 'config.sink.deadLetterKey',
  batchSize: 'config.sink.batchSize',
  flushIntervalMs: 'config.sink.flushIntervalMs',
  delivery: 'config.sink.delivery',
  waitReplicas: 'config.sink.waitReplicas',
  connectionsPerNode: 'config.sink.connectionsPerNode',
  maxPipelinesInFlight: 'config.sink.maxPipelinesInFlight',
  schema: 'schema.fields',
  valueColumn: 'config.valueColumn',
};

const JSON_DOOR: Door = {
  option: (f) => (isTargetField(f) ? `${TARGET_PATH}.${f}` : JSON_OPTIONS[f]),
  numbersAsText: false,
};

/** A connection profile body as `POST /v1/connection_profiles` takes it. */
export interface ProfileBody {
  name: string;
  connector: 'redis';
  config: {
    connection:
      | { address: string }
      | { addresses: string[] }
      | {
          /** The Sentinels of a primary; `username`/`password` here log in to the Sentinels. */
          sentinel: { addresses: string[]; masterName: string; username?: string; password?: string };
        };
    username?: string;
    password?: string;
    /** TLS settings: `ca`, `cert`, `key` (PEM text or file paths), `serverName`, `minVersion`, `insecure`. */
    tls?: TlsProfile;
  };
}

/** A connection table body as `POST /v1/connection_tables` takes it. */
export interface TableBody {
  name: string;
  connector: 'redis';
  /** Resolved by the caller, which passes the profile to {@link parseTable}. */
  connectionProfileId?: string;
  config: {
    connectorType: { target: Record<string, unknown> };
    /** `'json'` (default) or `'raw'`. */
    format?: 'json' | 'raw';
    sink?: {
      onError?: 'fail' | 'skip' | 'dead_letter';
      /** `'append'` (default) or `'upsert'`: what a delete or retraction does (docs/sink.md). */
      mode?: 'append' | 'upsert';
      /** `upsert` tables of lists, streams and channels: write retractions as marked events. */
      deleteEvents?: boolean;
      deadLetterKey?: string;
      batchSize?: number;
      flushIntervalMs?: number;
      delivery?: 'at_least_once' | 'exactly_once';
      waitReplicas?: number;
      connectionsPerNode?: number;
      maxPipelinesInFlight?: number;
    };
  };
  schema?: { fields: Array<{ name: string; data_type: string; nullable?: boolean }> };
}

/**
 * Validates a connection profile body (`{ name, connector: 'redis', config: { connection,
 * username?, password? } }`). `{{ VAR }}` references stay unresolved.
 *
 * @throws SinkConfigError naming the profile and the option.
 */
export function parseProfile(body: unknown): ConnectionProfile {
  const anonymous = new Reporter({ unnamed: true }, JSON_DOOR);
  const top = anonymous.object('body', body, 'a JSON object');
  // A misspelt `name` would otherwise be reported as missing, without the suggestion.
  if (typeof top.name !== 'string') anonymous.knownKeys(top, PROFILE_KEYS, '');
  const name = checkName(anonymous, top.name);
  const r = new Reporter({ profile: name }, JSON_DOOR);
  r.knownKeys(top, PROFILE_KEYS, '');
  checkConnector(r, top.connector);
  if (top.config === undefined) r.failOption('config', 'is required');
  const config = r.object('config', top.config, 'a JSON object');
  r.knownKeys(config, PROFILE_CONFIG_KEYS, 'config.');
  if (config.connection === undefined)
    r.failOption('config.connection', 'is required ({ address }, { addresses } or { sentinel })');
  const connection = r.object('config.connection', config.connection, 'a JSON object');
  r.knownKeys(connection, CONNECTION_KEYS, 'config.connection.');
  const sentinel =
    connection.sentinel === undefined ? {} : r.object(SENTINEL_PATH, connection.sentinel, 'a JSON object');
  r.knownKeys(sentinel, SENTINEL_KEYS, `${SENTINEL_PATH}.`);
  if (connection.sentinel !== undefined && sentinel.addresses === undefined) {
    r.fail('sentinels', `is required in '${SENTINEL_PATH}': the Sentinels to ask`);
  }
  const tls = config.tls === undefined ? {} : r.object(TLS_PATH, config.tls, 'a JSON object');
  r.knownKeys(tls, TLS_KEYS, `${TLS_PATH}.`);
  return checkProfile(r, {
    name,
    address: connection.address,
    addresses: connection.addresses,
    username: config.username,
    password: config.password,
    sentinels: sentinel.addresses,
    masterName: sentinel.masterName,
    sentinelUsername: sentinel.username,
    sentinelPassword: sentinel.password,
    tls: tlsDraftOf(tls),
  });
}

/**
 * Validates a connection table body against its (already validated) connection profile: the
 * caller looks `connectionProfileId` up.
 *
 * @throws SinkConfigError naming the table and the option.
 */
export function parseTable(body: unknown, profile: ConnectionProfile): SinkTable {
  const anonymous = new Reporter({ unnamed: true }, JSON_DOOR);
  const top = anonymous.object('body', body, 'a JSON object');
  if (typeof top.name !== 'string') anonymous.knownKeys(top, TABLE_KEYS, '');
  const name = checkName(anonymous, top.name);
  const r = new Reporter({ table: name }, JSON_DOOR);
  r.knownKeys(top, TABLE_KEYS, '');
  checkConnector(r, top.connector);
  if (top.connectionProfileId !== undefined && top.connection_profile_id !== undefined) {
    r.failOption(
      'connection_profile_id',
      "is Arroyo's spelling of 'connectionProfileId', which is given too; give one of them",
    );
  }
  const profileIdKey =
    top.connection_profile_id === undefined ? 'connectionProfileId' : 'connection_profile_id';
  const profileId = top[profileIdKey];
  if (profileId !== undefined && typeof profileId !== 'string') {
    r.failOption(profileIdKey, `must be a string (${gotType(profileId)})`);
  }
  if (top.config === undefined) r.failOption('config', 'is required');
  const config = r.object('config', top.config, 'a JSON object');
  r.knownKeys(config, TABLE_CONFIG_KEYS, 'config.');
  if (config.connectorType === undefined)
    r.failOption('config.connectorType', 'is required ({ target: {...} })');
  const connectorType = r.object('config.connectorType', config.connectorType, 'a JSON object');
  r.knownKeys(connectorType, CONNECTOR_TYPE_KEYS, 'config.connectorType.');
  if (connectorType.lookup !== undefined) {
    r.failOption(
      'config.connectorType.lookup',
      'is not a sink: a lookup table is declared in SQL (CREATE TEMPORARY TABLE ..., docs/lookup.md); a connection table is a sink ({ target })',
    );
  }
  if (connectorType.target === undefined) r.fail('target', 'is required');
  const target = r.object(TARGET_PATH, connectorType.target, 'a JSON object');
  r.knownKeys(target, TARGET_KEYS, `${TARGET_PATH}.`);
  const sink = config.sink === undefined ? {} : r.object('config.sink', config.sink, 'a JSON object');
  r.knownKeys(sink, SINK_KEYS, 'config.sink.');

  const schema = top.schema === undefined ? undefined : parseSchema(r, top.schema);
  const arroyo = schema?.arroyo ?? {};
  if (arroyo.format !== undefined && config.format !== undefined) {
    r.failOption(
      'schema.format',
      "is Arroyo's place for 'config.format', which is given too; give one of them",
    );
  }
  if (arroyo.onError !== undefined && sink.onError !== undefined) {
    r.failOption(
      'schema.bad_data',
      "is Arroyo's spelling of 'config.sink.onError', which is given too; give one of them",
    );
  }
  return checkTable(r, {
    name,
    profile,
    targetType: target.type,
    target: pick(target, TARGET_FIELDS),
    format: config.format ?? arroyo.format,
    onError: sink.onError ?? arroyo.onError,
    mode: sink.mode,
    deleteEvents: sink.deleteEvents,
    deadLetterKey: sink.deadLetterKey,
    batchSize: sink.batchSize,
    flushIntervalMs: sink.flushIntervalMs,
    delivery: sink.delivery,
    waitReplicas: sink.waitReplicas,
    connectionsPerNode: sink.connectionsPerNode,
    maxPipelinesInFlight: sink.maxPipelinesInFlight,
    schema: schema?.columns,
  });
}

/** The columns of a body's schema, and what an Arroyo-spelled schema says besides. */
function parseSchema(r: Reporter, value: unknown): { columns: Column[]; arroyo: ArroyoSchemaOptions } {
  const schema = r.object('schema', value, 'a JSON object');
  r.knownKeys(schema, SCHEMA_KEYS, 'schema.');
  const arroyo = arroyoSchemaOptions(r, schema);
  if (!Array.isArray(schema.fields))
    r.fail('schema', `must be a list of fields (${r.got(undefined, schema.fields)})`);
  const columns = schema.fields.map((f: unknown, i: number) => {
    const path = `schema.fields[${i}]`;
    const field = r.object(path, f, 'a JSON object');
    if (isArroyoField(field)) return arroyoColumn(r, path, field);
    r.knownKeys(field, FIELD_KEYS, `${path}.`);
    if (typeof field.name !== 'string' || field.name === '') {
      r.failOption(`${path}.name`, `must be a non-empty string (${r.got(undefined, field.name)})`);
    }
    if (typeof field.data_type !== 'string') {
      r.failOption(
        `${path}.data_type`,
        `must be a type name such as 'TEXT' (${r.got(undefined, field.data_type)})`,
      );
    }
    const type = lookupType(field.data_type);
    if (type === undefined) {
      r.failOption(
        `${path}.data_type`,
        `has unsupported type '${field.data_type}' for column '${field.name}' (supported: ${SQL_TYPES.join(', ')})`,
      );
    }
    if (field.nullable !== undefined && typeof field.nullable !== 'boolean') {
      r.failOption(`${path}.nullable`, `must be true or false (${r.got(undefined, field.nullable)})`);
    }
    return { name: field.name, type, nullable: field.nullable ?? true };
  });
  return { columns, arroyo };
}

function pick<K extends string>(
  obj: Record<string, unknown>,
  keys: readonly K[],
): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
