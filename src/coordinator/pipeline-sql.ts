/**
 * Pipelines written as SQL: a script of `CREATE TABLE` statements (Redis sinks and sources) and
 * `INSERT INTO ... SELECT` queries, translated to a job spec by the SQL compiler
 * (sql/compile-script.ts). See docs/pipelines.md.
 */

import type { JobSpec } from '../plan/job-spec.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { compileSqlScript } from '../sql/compile-script.js';

export { RecordingProfiles } from '../sql/compile-script.js';
export { PipelineSqlError } from '../sql/errors.js';

export interface PipelineSqlOptions {
  /** The pipeline's name (the job spec's `name`). */
  name: string;
  /** Shards of each sink table. */
  shards: number;
  /** Stored profiles a sink table may name with `connection_profile = '<name>'`. */
  profiles?: ReadonlyMap<string, ConnectionProfile>;
  /** Overrides every sink's Redis address (see {@link compileSqlScript}). */
  redisAddress?: string | readonly string[];
}

/**
 * Translates a pipeline script into a job spec without `checkpoint` (the caller sets it).
 *
 * @throws SqlSyntaxError with the line and column of a syntax error in the script.
 * @throws SinkConfigError for a sink table (positions are the script's).
 * @throws PipelineSqlError for source tables, other statements, or a script without a source
 *   or a sink.
 * @throws SqlQueryError for a query that does not compile.
 */
export function pipelineFromSql(
  sql: string,
  options: PipelineSqlOptions,
): Promise<Omit<JobSpec, 'checkpoint'>> {
  return compileSqlScript(sql, options);
}
