/**
 * Turns a connection-table request into the record the store keeps: the JSON body
 * validated by parseTable against its profile, or a `CREATE TABLE` validated by parseCreateTable
 * (which may name a stored profile with `connection_profile`), plus the shard count.
 */
import { MAX_TABLE_SHARDS } from '../plan/job-spec.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { didYouMean, suggestionSuffix } from '../schema/did-you-mean.js';
import { parseProfile, parseTable } from '../sink/config/json.js';
import { parseCreateTable } from '../sink/config/sql-ddl.js';
import { ControlError, invalidArgument } from '../wire/control-errors.js';
import { newId } from './metadata-store.js';
import { RecordingProfiles } from './pipeline-sql.js';
import type { ProfileRecord, TableRecord } from './records.js';
import { MAX_NAME_LENGTH } from './request-limits.js';

/** The fields of a `POST /v1/connection_tables` body (and of `CreateConnectionTable`). */
/** `connection_profile_id`: Arroyo's spelling of `connectionProfileId` (parseTable refuses both). */
const REQUEST_FIELDS = [
  'name',
  'connector',
  'connectionProfileId',
  'connection_profile_id',
  'config',
  'schema',
  'shards',
  'sql',
];

/** Most shards a table may have (see {@link MAX_TABLE_SHARDS}). */
export const MAX_SHARDS = MAX_TABLE_SHARDS;

/**
 * A table to create: the `POST /v1/connection_tables` body (`connectionProfileId` is an id
 * or a name), plus `shards`; or `{ sql: 'CREATE TABLE ...', shards? }`.
 */
export type TableInput = Record<string, unknown>;

export interface TableContext {
  /** Shards when the request gives none. */
  defaultShards: number;
  /** The stored profile of an id or name; throws NOT_FOUND. */
  findProfile(idOrName: string): ProfileRecord;
  /** Every stored profile, for `connection_profile = '<name>'` in SQL. */
  profiles(): ProfileRecord[];
}

/** The validated model of a stored profile (stored bodies were validated when created). */
export function profileModel(record: ProfileRecord): ConnectionProfile {
  return parseProfile({ name: record.name, connector: record.connector, config: record.config });
}

/**
 * Validates a table request into a new record (not stored yet).
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` for a malformed request, `ERR_NOT_FOUND` for an
 *   unknown profile; SinkConfigError / SqlSyntaxError from the front doors.
 */
export async function defineTable(input: TableInput, ctx: TableContext): Promise<TableRecord> {
  checkFields(input);
  const shards = shardCount(input.shards, ctx.defaultShards);
  const { shards: _, sql, ...body } = input;
  if (sql !== undefined) return sqlTable(sql, body, shards, ctx);
  const ref = body.connectionProfileId ?? body.connection_profile_id;
  if (typeof ref !== 'string' || ref === '') {
    const name = typeof body.name === 'string' ? ` '${body.name}'` : '';
    throw invalidArgument(
      `connection table${name}: option 'connectionProfileId' is required (the id or name of a connection profile), or give 'sql'`,
    );
  }
  const profile = findProfile(ref, body.name, ctx);
  const model = parseTable(body, profileModel(profile));
  const record: TableRecord = {
    id: newId('tbl'),
    name: model.name,
    connector: 'redis',
    connectionProfileId: profile.id,
    config: body.config as Record<string, unknown>,
    shards,
    model,
    createdAtMs: Date.now(),
  };
  if (body.schema !== undefined) record.schema = body.schema as Record<string, unknown>;
  return record;
}

/**
 * The profile a JSON table names. Profile ids are generated, so an id copied from an example
 * (`prof_redis123`) names nothing: the NOT_FOUND message says what to give instead.
 */
function findProfile(ref: string, table: unknown, ctx: TableContext): ProfileRecord {
  try {
    return ctx.findProfile(ref);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_NOT_FOUND') throw err;
    const names = ctx.profiles().map((p) => p.name);
    const who = shownName(table) === undefined ? '' : ` of table '${shownName(table)}'`;
    const close = didYouMean(ref, names);
    const known =
      names.length === 0
        ? 'no profile exists yet'
        : close !== undefined
          ? `did you mean '${close}'?`
          : `known: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}`;
    throw new ControlError(
      'ERR_NOT_FOUND',
      `connection profile '${ref}' not found: option 'connectionProfileId'${who} takes the id that creating the profile returned (ids are generated) or the profile's name (${known})`,
    );
  }
}

async function sqlTable(
  sql: unknown,
  rest: Record<string, unknown>,
  shards: number,
  ctx: TableContext,
): Promise<TableRecord> {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw invalidArgument("option 'sql' must be a CREATE TABLE statement");
  }
  const extra = Object.keys(rest).filter((k) => k !== 'name' && k !== 'connector');
  if (extra.length > 0) {
    const list = extra.map((k) => `'${k}'`).join(', ');
    throw invalidArgument(`a table given as 'sql' takes no ${list}: the statement says it all`);
  }
  const stored = ctx.profiles();
  // `connection_profile = '...'` takes a name or an id, as `connectionProfileId` does.
  const profiles = new RecordingProfiles(
    new Map(
      stored.flatMap((p) => {
        const model = profileModel(p);
        return [[p.id, model] as const, [p.name, model] as const];
      }),
    ),
  );
  const model = await parseCreateTable(sql, { profiles });
  if (rest.name !== undefined && rest.name !== model.name) {
    throw invalidArgument(
      `option 'name' ('${String(rest.name)}') differs from the CREATE TABLE name '${model.name}'`,
    );
  }
  // A table that names a stored profile depends on it (deleting the profile is refused), as a
  // JSON table does; one with its own address depends on nothing.
  const ref = profiles.looked[0];
  const named = ref === undefined ? undefined : stored.find((p) => p.name === ref || p.id === ref);
  return {
    id: newId('tbl'),
    name: model.name,
    connector: 'redis',
    connectionProfileId: named?.id ?? '',
    config: {},
    sql,
    shards,
    model,
    createdAtMs: Date.now(),
  };
}

/**
 * Refuses a field the request does not know, suggesting the closest: `shards` and `sql` are the
 * coordinator's, which the JSON front door (parseTable) would not suggest.
 */
function checkFields(input: TableInput): void {
  for (const key of Object.keys(input)) {
    if (REQUEST_FIELDS.includes(key) || input[key] === undefined) continue;
    const name = shownName(input.name);
    const who = name === undefined ? 'connection table' : `table '${name}'`;
    throw invalidArgument(
      `${who}: option '${key}' is not a known option${suggestionSuffix(key, REQUEST_FIELDS)}`,
    );
  }
}

/** A table name to quote in a message: not before it is known to be a short string. */
function shownName(name: unknown): string | undefined {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH ? name : undefined;
}

function shardCount(value: unknown, fallback: number): number {
  // 0 is refused, not taken for the default: a caller who wrote it meant something else.
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_SHARDS) {
    throw invalidArgument(
      `option 'shards' must be a positive integer, at most ${MAX_SHARDS} (got ${JSON.stringify(value)?.slice(0, 40)})`,
    );
  }
  return value;
}
