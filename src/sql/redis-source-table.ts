/**
 * What every `connector = 'redis', type = 'source'` table of a pipeline script shares, whatever it
 * reads (streams: redis-stream-table.ts; pub/sub: pubsub-table.ts): the sink's connection options
 * and `connection_profile`, the checks of unknown, repeated and non-literal options, and errors
 * that name the table and the option.
 */

import type { SourceSpec } from '../plan/job-spec.js';
import type { ConnectionProfile, RedisConnection } from '../schema/connection-profile.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { SinkConfigError } from '../schema/errors.js';
import { PROFILE_SQL_OPTIONS, type ProfileDraft, type ProfileField } from '../schema/profile-check.js';
import { Reporter } from '../schema/reporter.js';
import type { SqlOption } from '../schema/sql-tree.js';
import { TLS_FIELDS } from '../schema/tls-profile.js';
import { PipelineSqlError } from './errors.js';

/** Names a connection profile instead of the connection options. */
export const PROFILE_OPTION = 'connection_profile';

/** Every option of a source table whose own fields are `fields`. */
export function sourceOptionsOf(fields: Readonly<Record<string, string>>): readonly string[] {
  return ['type', PROFILE_OPTION, ...Object.values(fields).filter((o) => o !== 'table name')];
}

/** Where the table connects, from the script's options (see compile-script.ts). */
export interface RedisSourceTableContext {
  profiles?: ReadonlyMap<string, ConnectionProfile>;
  /** Replaces the table's connection (`--redis`). */
  connection?: RedisConnection;
}

/** What a source table's own part is built from. */
export interface SourceTableParts<F extends string> {
  /** A field's literal, or undefined when not given. */
  value(f: F): string | undefined;
  /** A comma-separated field's items. */
  list(f: F): string[] | undefined;
  /** The connection fields, ready to spread into the source's draft. */
  connection: ProfileDraft;
  reporter: Reporter<F>;
  /** The profile `connection_profile` named, and that option. */
  profile?: { profile: ConnectionProfile; option: SqlOption };
}

/**
 * Reads the options of Redis source table `table` and builds its source with `build`, which
 * checks the table's own fields. `kind` names the source in errors ("stream", "pub/sub").
 *
 * @throws PipelineSqlError naming the table and the option.
 */
export function redisSourceTable<F extends string>(
  table: string,
  opts: readonly SqlOption[],
  kind: string,
  fields: Readonly<Record<F, string>>,
  context: RedisSourceTableContext,
  build: (parts: SourceTableParts<F>) => SourceSpec,
): SourceSpec {
  const known = sourceOptionsOf(fields);
  const byKey = new Map<string, SqlOption>();
  for (const o of opts) {
    const at = o.valuePosition ?? o.keyPosition;
    if (!known.includes(o.key)) {
      const hint = didYouMean(o.key, known);
      throw new PipelineSqlError(
        `is not a known option of a Redis ${kind} source${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
        table,
        o.key,
        at,
      );
    }
    if (byKey.has(o.key)) throw new PipelineSqlError('is given twice', table, o.key, at);
    if (o.value === undefined) throw new PipelineSqlError("must be a literal, e.g. '10'", table, o.key, at);
    byKey.set(o.key, o);
  }
  const value = (f: F) => byKey.get(fields[f])?.value;
  const list = (f: F) =>
    value(f)
      ?.split(',')
      .map((a) => a.trim());
  const reporter = new Reporter<F>(
    { table },
    {
      option: (f) => fields[f],
      position: (f) => byKey.get(fields[f])?.valuePosition,
      numbersAsText: true,
    },
  );
  try {
    const named = byKey.get(PROFILE_OPTION);
    let profile: SourceTableParts<F>['profile'];
    if (named !== undefined) {
      const found = context.profiles?.get(named.value ?? '');
      if (found === undefined)
        throw new PipelineSqlError(
          `names an unknown connection profile '${named.value}'`,
          table,
          PROFILE_OPTION,
          named.valuePosition,
        );
      profile = { profile: found, option: named };
    }
    const conn = (f: ProfileField) => byKey.get(PROFILE_SQL_OPTIONS[f])?.value;
    const connList = (f: ProfileField) =>
      conn(f)
        ?.split(',')
        .map((a) => a.trim());
    // A profile or --redis replaces the address; the draft still needs one to pass its checks.
    const replaced = profile !== undefined || context.connection !== undefined;
    const connection: ProfileDraft = {
      name: table,
      address: replaced ? 'redis://from-profile' : conn('address'),
      addresses: replaced ? undefined : connList('addresses'),
      username: conn('username'),
      password: conn('password'),
      sentinels: connList('sentinels'),
      masterName: conn('masterName'),
      sentinelUsername: conn('sentinelUsername'),
      sentinelPassword: conn('sentinelPassword'),
      tls: Object.fromEntries(TLS_FIELDS.map((f) => [f, conn(f)])),
    };
    return build({ value, list, connection, reporter, profile });
  } catch (e) {
    if (!(e instanceof SinkConfigError)) throw e;
    const subject = `table '${table}': ${e.option === undefined ? '' : `option '${e.option}' `}`;
    const problem = e.message.startsWith(subject) ? e.message.slice(subject.length) : e.message;
    const at = / \(line \d+, column \d+\)$/.exec(problem);
    throw new PipelineSqlError(
      at === null ? problem : problem.slice(0, at.index),
      table,
      e.option,
      e.line === undefined ? undefined : { line: e.line, column: e.column ?? 1 },
    );
  }
}

/**
 * The profile a built source connects with: its own (from the connection options), or the one
 * `connection_profile` named, with `--redis` replacing either's connection.
 */
export function replacedProfile<F extends string>(
  table: string,
  parts: SourceTableParts<F>,
  context: RedisSourceTableContext,
  own: ConnectionProfile,
): ConnectionProfile {
  const profile = parts.profile === undefined ? own : { ...parts.profile.profile, name: table };
  return context.connection === undefined ? profile : { ...profile, connection: context.connection };
}
