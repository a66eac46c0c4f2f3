/**
 * What the control plane returns: records as API clients see them, secrets redacted. Every
 * method of ControlPlane answers with these views and never with a stored record, so neither
 * transport can leak a password by forgetting a step. The JSON (HTTP) form is the view itself;
 * the gRPC form is converted field by field in control-service.ts.
 */
import type { PipelineRecord, PipelineStateName, ProfileRecord, TableRecord } from './records.js';
import { redactJson, redactSql, redactUrlsInText } from './redact.js';
import type { ShardRouteView } from './runtime-view.js';

type Json = Record<string, unknown>;

/** A connection profile: its request body plus id and creation time; `config.password` redacted. */
export interface ProfileView {
  id: string;
  name: string;
  connector: 'redis';
  config: Json;
  createdAtMs: number;
}

/** A connection table: its request body plus id, shards, the validated model; secrets redacted. */
export interface TableView {
  id: string;
  name: string;
  connector: 'redis';
  /** "" for tables created from SQL with their own address. */
  connectionProfileId: string;
  config: Json;
  schema?: Json;
  shards: number;
  /** The CREATE TABLE text, passwords redacted (SQL tables only). */
  sql?: string;
  /** The validated model as workers receive it, secrets redacted. */
  model: Json;
  createdAtMs: number;
  /** `failed` once the table gave up; it then takes no rows until deleted and created again. */
  state: 'running' | 'failed';
  /** Why it failed (only when `failed`). */
  error?: string;
}

/** A pipeline; `sql` and `spec` redacted. */
export interface PipelineView {
  id: string;
  name: string;
  state: PipelineStateName;
  sql?: string;
  spec: Json;
  workerId: string;
  generation: number;
  lastCheckpointId: number;
  error?: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Outcome of a connection test. A failed connection is `ok: false` with a message, not an error. */
export interface TestResultView {
  ok: boolean;
  /** What was found, or why it failed (never a secret). */
  message: string;
  /** `standalone` or `cluster` ("" when the server was not reached). */
  mode: string;
  /** The server's `redis_version` ("" when not reached). */
  serverVersion: string;
  /** Round trip of one PING, microseconds (0 when not reached). */
  latencyUs: number;
}

/** Where a table's shards live, for producers. */
export interface RoutingView {
  tableId: string;
  tableName: string;
  shards: number;
  routes: ShardRouteView[];
  /** Absent for a pipeline's ingest source (one shard, nothing to route by). */
  model?: Json;
}

/** A checkpoint taken on demand. */
export interface CheckpointResultView {
  pipelineId: string;
  checkpointId: number;
}

/** The response form of a stored profile. */
export function profileView(r: ProfileRecord): ProfileView {
  return {
    id: r.id,
    name: r.name,
    connector: r.connector,
    config: redactJson(r.config),
    createdAtMs: r.createdAtMs,
  };
}

/** The response form of a stored table. Needs the SQL parser loaded for SQL tables. */
export function tableView(r: TableRecord, failure?: string): TableView {
  const view: TableView = {
    id: r.id,
    name: r.name,
    connector: r.connector,
    connectionProfileId: r.connectionProfileId,
    config: redactJson(r.config),
    shards: r.shards,
    model: redactJson(r.model as unknown as Json),
    createdAtMs: r.createdAtMs,
    state: failure === undefined ? 'running' : 'failed',
  };
  if (failure !== undefined) view.error = failure;
  if (r.schema !== undefined) view.schema = redactJson(r.schema);
  if (r.sql !== undefined) view.sql = redactSql(r.sql);
  return view;
}

/** The response form of a stored pipeline. Needs the SQL parser loaded when it holds SQL. */
export function pipelineView(r: PipelineRecord): PipelineView {
  const view: PipelineView = {
    id: r.id,
    name: r.name,
    state: r.state,
    spec: redactJson(r.spec as unknown as Json),
    workerId: r.workerId,
    generation: r.generation,
    lastCheckpointId: r.lastCheckpointId,
    createdAtMs: r.createdAtMs,
    updatedAtMs: r.updatedAtMs,
  };
  if (r.sql !== undefined) view.sql = redactSql(r.sql);
  if (r.error !== undefined) view.error = redactUrlsInText(r.error);
  return view;
}

/** The response form of a table's routing. */
/**
 * Routing of a pipeline's ingest source (`<pipeline id>/<source>`): one shard, no table model —
 * every row goes to shard 0.
 */
export function sourceRoutingView(p: PipelineRecord, source: string, routes: ShardRouteView[]): RoutingView {
  return {
    tableId: `${p.id}/${source}`,
    tableName: `${p.name}/${source}`,
    shards: 1,
    routes: routes.map((route) => ({ ...route })),
  };
}

export function routingView(r: TableRecord, routes: ShardRouteView[]): RoutingView {
  return {
    tableId: r.id,
    tableName: r.name,
    shards: r.shards,
    routes: routes.map((route) => ({ ...route })),
    model: redactJson(r.model as unknown as Json),
  };
}
