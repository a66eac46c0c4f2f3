import { type LaminarLogger, SILENT_LOGGER } from '../log.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { parseProfile, parseTable } from './config/json.js';
import { connectTable } from './connect-table.js';
import type { SinkTable } from './model.js';
import { RedisSink, type SinkLimits } from './sink.js';

/**
 * What a sink is made from — any of the three front doors:
 * - the REST bodies of the Laminar Redis connector documentation: `{ profile, table }` (`POST /v1/connection_profiles` and
 *   `POST /v1/connection_tables` bodies);
 * - `{ sql }`: a `CREATE TABLE ... WITH (connector = 'redis', type = 'sink', ...)` statement;
 * - `{ model }`: a typed {@link SinkTable}, validated like the others.
 */
export type SinkInput = { profile: unknown; table: unknown } | { sql: string } | { model: SinkTable };

export interface CreateSinkOptions extends SinkLimits {
  /** Where skipped rows and failures are logged. Default: nowhere (the sink is silent). */
  logger?: LaminarLogger;
  /** Environment that `{{ VAR }}` secrets are resolved from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Validates the table, connects (standalone or cluster) and returns a ready sink. */
export async function createSink(input: SinkInput, options: CreateSinkOptions = {}): Promise<RedisSink> {
  const table = await tableOf(input);
  const target = await connectTable(table, options.env, { logger: options.logger });
  return new RedisSink(table, target, options.logger ?? SILENT_LOGGER, options);
}

/** The validated table of any front door, without connecting. */
export async function tableOf(input: SinkInput): Promise<SinkTable> {
  if ('sql' in input) {
    const { parseCreateTable } = await import('./config/sql-ddl.js');
    return parseCreateTable(input.sql);
  }
  if ('model' in input) {
    const { validateTable } = await import('./config/validate-model.js');
    return validateTable(input.model);
  }
  const profile: ConnectionProfile = parseProfile(input.profile);
  return parseTable(input.table, profile);
}
