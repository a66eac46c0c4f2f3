/**
 * Turns a pipeline request (`{ name, spec }` or `{ name, sql }`) into the job spec the runtime
 * runs: the SQL script translated (pipeline-sql.ts), the checkpoint directory defaulted, the
 * spec normalized by parseJobSpec and every table validated through its front door, so that a
 * pipeline that cannot run is refused when it is created rather than when a worker starts it.
 */

import { LookupRegistry } from '../lookup/lookup-registry.js';
import { lookupTableOf } from '../lookup/lookup-spec.js';
import { type JobSpec, parseJobSpec } from '../plan/job-spec.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { suggestionSuffix } from '../schema/did-you-mean.js';
import { tableOf } from '../sink/create-sink.js';
import { planQueries } from '../sql/job-queries.js';
import { invalidArgument } from '../wire/control-errors.js';
import { checkPipelinePaths, type PathPolicy } from './path-policy.js';
import { pipelineFromSql } from './pipeline-sql.js';

/** A pipeline to create: exactly one of `sql` (a script, docs/pipelines.md) and `spec` (docs/runtime.md). */
export interface PipelineInput {
  /** The pipeline's name; required with `sql`, defaults the spec's `name` otherwise. */
  name?: string;
  sql?: string;
  spec?: unknown;
}

export interface DefineContext {
  /** Checkpoint directory when the spec gives none (`<dataDir>/pipelines/<id>`). */
  checkpointDir: string;
  /** Relative paths of the spec (checkpoint dir, JSONL files) are resolved against it. */
  baseDir: string;
  /** Shards of each sink of a SQL script. */
  shards: number;
  /** Stored profiles, for SQL sinks with `connection_profile = '<name>'`. */
  profiles: ReadonlyMap<string, ConnectionProfile>;
  /** Where the spec's files and checkpoint directory may be (path-policy.ts); undefined: anywhere. */
  paths?: PathPolicy;
}

const INPUT_KEYS = ['name', 'sql', 'spec'];

/**
 * Validates a pipeline request and returns the normalized spec (and the script it came from).
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` for a malformed request.
 * @throws JobSpecError, SinkConfigError, LookupConfigError, SqlSyntaxError, PipelineSqlError,
 *   SqlQueryError from the front doors.
 */
export async function definePipeline(
  input: unknown,
  ctx: DefineContext,
): Promise<{ spec: JobSpec; sql?: string }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidArgument('a pipeline is a JSON object { name, sql } or { name, spec }');
  }
  const request = input as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!INPUT_KEYS.includes(key)) {
      const hint = suggestionSuffix(key, INPUT_KEYS) || ' (name, sql, spec)';
      throw invalidArgument(`pipeline: '${key}' is not a known field${hint}`);
    }
  }
  const { name, sql, spec } = request;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw invalidArgument("pipeline: 'name' must be a non-empty string");
  }
  if ((sql === undefined) === (spec === undefined)) {
    throw invalidArgument(
      "pipeline: give exactly one of 'sql' (a CREATE TABLE script) and 'spec' (a job spec)",
    );
  }
  let raw: Record<string, unknown>;
  if (sql !== undefined) {
    if (typeof sql !== 'string' || sql.trim() === '')
      throw invalidArgument("pipeline: 'sql' must be a non-empty script");
    if (name === undefined) throw invalidArgument("pipeline: 'name' is required with 'sql'");
    raw = { ...(await pipelineFromSql(sql, { name, shards: ctx.shards, profiles: ctx.profiles })) };
  } else {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw invalidArgument("pipeline: 'spec' must be a job spec object (docs/runtime.md)");
    }
    raw = { ...(spec as Record<string, unknown>) };
    if (name !== undefined) {
      if (raw.name === undefined) raw.name = name;
      else if (raw.name !== name) {
        throw invalidArgument(
          `pipeline: 'name' ('${name}') differs from the spec's name '${String(raw.name)}'`,
        );
      }
    }
  }
  if (raw.checkpoint === undefined) raw.checkpoint = { dir: ctx.checkpointDir };
  else if (isObject(raw.checkpoint) && raw.checkpoint.dir === undefined) {
    raw.checkpoint = { ...raw.checkpoint, dir: ctx.checkpointDir };
  }
  const parsed = parseJobSpec(raw, ctx.baseDir);
  if (ctx.paths !== undefined) await checkPipelinePaths(parsed, ctx.paths);
  const models = [];
  for (const t of parsed.tables) {
    models.push({ table: await tableOf(t as Parameters<typeof tableOf>[0]), sources: t.sources ?? [] });
  }
  const lookups = [];
  for (const l of parsed.lookups ?? []) lookups.push(await lookupTableOf(l));
  await planQueries(parsed.sources, models, parsed.queries ?? [], new LookupRegistry(lookups));
  const { restart, ...rest } = parsed;
  const out: JobSpec = restart === undefined ? rest : { ...rest, restart };
  return sql === undefined ? { spec: out } : { spec: out, sql: sql as string };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
