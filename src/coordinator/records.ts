import type { JobSpec } from '../plan/job-spec.js';
import type { SinkTable } from '../sink/model.js';

/**
 * What the coordinator's metadata store keeps. Everything is stored as given: `{{ VAR }}` secrets
 * stay unresolved, and passwords are stored (the store is the operator's) but redacted in every
 * response (see redact.ts).
 */

/** A connection profile: the `POST /v1/connection_profiles` body, plus an id. */
export interface ProfileRecord {
  /** `prof_` + 10 random base-36 characters. */
  id: string;
  name: string;
  connector: 'redis';
  /** The body's `config`, as given. */
  config: Record<string, unknown>;
  createdAtMs: number;
}

/** A connection table: the `POST /v1/connection_tables` body (or a CREATE TABLE), plus an id. */
export interface TableRecord {
  /** `tbl_` + 10 random base-36 characters. */
  id: string;
  name: string;
  connector: 'redis';
  /** The profile the table was created with ("" for SQL tables, which carry their own address). */
  connectionProfileId: string;
  /** The body's `config`, as given ({} for SQL tables). */
  config: Record<string, unknown>;
  /** The body's `schema`, as given (undefined: none). */
  schema?: Record<string, unknown>;
  /** The `CREATE TABLE` text for SQL tables. */
  sql?: string;
  /** Shards: contiguous slot ranges, each hosted by one actor on one worker. Fixed at creation. */
  shards: number;
  /** The validated model (secrets unresolved): what workers and producers receive. */
  model: SinkTable;
  createdAtMs: number;
}

export type PipelineStateName = 'pending' | 'running' | 'recovering' | 'finished' | 'stopped' | 'failed';

/** A pipeline (job): a job spec run by one worker at a time, checkpointed to a shared directory. */
export interface PipelineRecord {
  /** `pl_` + 10 random base-36 characters. */
  id: string;
  name: string;
  /** The SQL script it was defined by, if any. */
  sql?: string;
  /** The job spec as given (SQL pipelines: the spec the script translates to). */
  spec: JobSpec;
  state: PipelineStateName;
  /** Worker running it ("" when none). */
  workerId: string;
  generation: number;
  /** -1: none yet. */
  lastCheckpointId: number;
  /** Code and message of the failure that ended it. */
  error?: string;
  createdAtMs: number;
  updatedAtMs: number;
}
