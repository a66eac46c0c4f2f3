/**
 * The coordinator's control plane: validates and stores connection profiles, connection tables
 * and pipelines, and tells the runtime (scheduler, workers) about them. Both control transports,
 * gRPC (control-service.ts) and HTTP (http-api.ts), are thin layers over this class: validation,
 * lookups by id or name, and redaction happen here once.
 *
 * Every method answers with a view (control-views.ts), secrets redacted; failures are
 * ControlErrors, or validation errors (SinkConfigError, SqlSyntaxError, JobSpecError,
 * PipelineSqlError) that the transports report as INVALID_ARGUMENT with their message.
 */

import { join } from 'node:path';
import { type Logger, SILENT_LOGGER } from '../log.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { loadSqlParser } from '../schema/sql-parser.js';
import { parseProfile } from '../sink/config/json.js';
import { ControlError, notFound } from '../wire/control-errors.js';
import { type ConnectionTestOptions, testProfileConnection, testTableConnection } from './connection-test.js';
import {
  type CheckpointResultView,
  type PipelineView,
  type ProfileView,
  pipelineView,
  profileView,
  type RoutingView,
  routingView,
  sourceRoutingView,
  type TableView,
  type TestResultView,
  tableView,
} from './control-views.js';
import { type MetadataStore, newId } from './metadata-store.js';
import { definePipeline, type PipelineInput } from './pipeline-definition.js';
import type { PipelineRecord, ProfileRecord, TableRecord } from './records.js';
import { checkDepth, checkName, checkRef } from './request-limits.js';
import type { RuntimeView, WorkerView } from './runtime-view.js';
import { defineTable, MAX_SHARDS, profileModel, type TableInput } from './table-definition.js';

export type { PipelineInput } from './pipeline-definition.js';
export type { TableInput } from './table-definition.js';

/** Shards of a table created without `shards`, unless the coordinator says otherwise. */
export const DEFAULT_SHARDS = 4;

export interface ControlPlaneOptions {
  store: MetadataStore;
  runtime: RuntimeView;
  /** The coordinator's data directory; pipelines checkpoint to `<dataDir>/pipelines/<id>` by default. */
  dataDir: string;
  /** Shards of a table (and of each sink of a SQL pipeline) created without `shards`. Default 4. */
  defaultShards?: number;
  /**
   * Directories besides `dataDir` where pipelines may read JSON-lines files and keep checkpoints
   * (path-policy.ts). Default: none.
   */
  allowedDirs?: readonly string[];
  logger?: Logger;
  /** Bounds and environment of connection tests. */
  test?: ConnectionTestOptions;
}

/**
 * Profiles, tables, pipelines and workers as the control API sees them. Lookups take an id or a
 * name; names are unique per kind.
 */
export class ControlPlane {
  readonly store: MetadataStore;
  readonly runtime: RuntimeView;
  readonly dataDir: string;
  readonly defaultShards: number;
  readonly allowedDirs: readonly string[];
  readonly #logger: Logger;
  readonly #test: ConnectionTestOptions;

  constructor(options: ControlPlaneOptions) {
    const shards = options.defaultShards ?? DEFAULT_SHARDS;
    if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
      throw new RangeError(`defaultShards must be an integer in 1..${MAX_SHARDS}, got ${shards}`);
    }
    this.store = options.store;
    this.runtime = options.runtime;
    this.dataDir = options.dataDir;
    this.defaultShards = shards;
    this.allowedDirs = [...(options.allowedDirs ?? [])];
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#test = { logger: this.#logger, ...options.test };
  }

  // -------------------------------------------------------------------------------------------
  // Connection profiles

  /** Validates (parseProfile) and stores a profile body as given. */
  async createProfile(body: unknown): Promise<ProfileView> {
    checkDepth('connection profile', body);
    const profile = parseProfile(body);
    checkName('connection profile', profile.name);
    const given = body as { config: Record<string, unknown> };
    const record: ProfileRecord = {
      id: newId('prof'),
      name: profile.name,
      connector: 'redis',
      config: given.config,
      createdAtMs: Date.now(),
    };
    const stored = await this.store.insertProfile(record);
    this.#logger.info({ profile: stored.name, id: stored.id }, 'connection profile created');
    return profileView(stored);
  }

  async getProfile(idOrName: string): Promise<ProfileView> {
    return profileView(this.#profile(idOrName));
  }

  async listProfiles(): Promise<ProfileView[]> {
    return this.store.listProfiles().map(profileView);
  }

  /** Deletes a profile; FAILED_PRECONDITION while a table uses it. */
  async deleteProfile(idOrName: string): Promise<void> {
    const record = this.#profile(idOrName);
    await this.store.deleteProfile(record.id);
    this.#logger.info({ profile: record.name, id: record.id }, 'connection profile deleted');
  }

  /** Tests a stored profile (by id or name), or an unsaved profile body. */
  async testProfile(target: { id: string } | { profile: unknown }): Promise<TestResultView> {
    if ('profile' in target) checkDepth('connection profile', target.profile);
    const profile = 'id' in target ? profileModel(this.#profile(target.id)) : parseProfile(target.profile);
    return testProfileConnection(profile, this.#test);
  }

  // -------------------------------------------------------------------------------------------
  // Connection tables

  /** Validates (parseTable or parseCreateTable) and stores a table, then has its shards placed. */
  async createTable(input: TableInput): Promise<TableView> {
    checkDepth('connection table', input);
    const record = await defineTable(input, {
      defaultShards: this.defaultShards,
      findProfile: (idOrName) => this.#profile(idOrName),
      profiles: () => this.store.listProfiles(),
    });
    checkName('connection table', record.name);
    const stored = await this.store.insertTable(record);
    this.#logger.info(
      { table: stored.name, id: stored.id, shards: stored.shards },
      'connection table created',
    );
    this.#tellRuntime('tableCreated', () => this.runtime.tableCreated(stored));
    await loadSqlParser();
    return tableView(stored);
  }

  async getTable(idOrName: string): Promise<TableView> {
    await loadSqlParser();
    const table = this.#table(idOrName);
    return tableView(table, this.runtime.tableFailure(table));
  }

  async listTables(): Promise<TableView[]> {
    await loadSqlParser();
    return this.store.listTables().map((t) => tableView(t, this.runtime.tableFailure(t)));
  }

  /** Revokes the table's shards (runtime), then deletes it. */
  async deleteTable(idOrName: string): Promise<void> {
    const record = this.#table(idOrName);
    await this.runtime.tableDeleted(record);
    await this.store.deleteTable(record.id);
    this.#logger.info({ table: record.name, id: record.id }, 'connection table deleted');
  }

  /** Connects with the table's profile and checks its fixed keys' types. */
  async testTable(idOrName: string): Promise<TestResultView> {
    return testTableConnection(this.#table(idOrName).model, this.#test);
  }

  /** Where the table's shards live now (from the runtime). */
  async tableRouting(idOrName: string): Promise<RoutingView> {
    checkRef(idOrName);
    const record = this.store.findTable(idOrName);
    if (record === undefined && idOrName.includes('/')) return this.#sourceRouting(idOrName);
    if (record === undefined) throw notFound('connection table', idOrName);
    return routingView(record, this.runtime.routing(record));
  }

  /**
   * Routing of a pipeline's ingest source, named `<pipeline>/<source>` (id or name of the
   * pipeline): one shard, on the worker running the pipeline.
   */
  #sourceRouting(name: string): RoutingView {
    const cut = name.lastIndexOf('/');
    const pipeline = this.#pipeline(name.slice(0, cut));
    const source = name.slice(cut + 1);
    if (!pipeline.spec.sources.some((s) => s.type === 'ingest' && s.name === source)) {
      throw notFound('pipeline', name);
    }
    this.#assertNotEnded(pipeline, 'write to');
    return sourceRoutingView(pipeline, source, this.runtime.sourceRouting(pipeline, source));
  }

  // -------------------------------------------------------------------------------------------
  // Pipelines

  /** Validates a pipeline (JSON job spec or SQL script), stores it as `pending` and schedules it. */
  async createPipeline(input: PipelineInput): Promise<PipelineView> {
    checkDepth('pipeline', input);
    const id = newId('pl');
    const { spec, sql } = await definePipeline(input, {
      checkpointDir: join(this.dataDir, 'pipelines', id),
      baseDir: this.dataDir,
      shards: this.defaultShards,
      profiles: this.#profileModels(),
      paths: { dataDir: this.dataDir, allowedDirs: this.allowedDirs },
    });
    checkName('pipeline', spec.name);
    const now = Date.now();
    const record: PipelineRecord = {
      id,
      name: spec.name,
      spec,
      state: 'pending',
      workerId: '',
      generation: 0,
      lastCheckpointId: -1,
      createdAtMs: now,
      updatedAtMs: now,
    };
    if (sql !== undefined) record.sql = sql;
    const stored = await this.store.insertPipeline(record);
    this.#logger.info({ pipeline: stored.name, id: stored.id }, 'pipeline created');
    this.#tellRuntime('pipelineCreated', () => this.runtime.pipelineCreated(stored));
    await loadSqlParser();
    return pipelineView(stored);
  }

  async getPipeline(idOrName: string): Promise<PipelineView> {
    await loadSqlParser();
    return pipelineView(this.#pipeline(idOrName));
  }

  async listPipelines(): Promise<PipelineView[]> {
    await loadSqlParser();
    return this.store.listPipelines().map(pipelineView);
  }

  /**
   * Stops a pipeline; resolves once stopped. Stopping a stopped pipeline returns it as it is;
   * a finished or failed one is FAILED_PRECONDITION.
   */
  async stopPipeline(idOrName: string): Promise<PipelineView> {
    const record = this.#pipeline(idOrName);
    await loadSqlParser();
    if (record.state === 'stopped') return pipelineView(record);
    this.#assertNotEnded(record, 'stop');
    return pipelineView(await this.runtime.stopPipeline(record.id));
  }

  /** Takes a checkpoint of a pipeline now; resolves with its id once recorded. */
  async triggerCheckpoint(idOrName: string): Promise<CheckpointResultView> {
    const record = this.#pipeline(idOrName);
    this.#assertNotEnded(record, 'checkpoint');
    if (record.state === 'pending') {
      throw new ControlError('ERR_FAILED_PRECONDITION', `pipeline '${record.name}' has not started yet`);
    }
    return { pipelineId: record.id, checkpointId: await this.runtime.triggerCheckpoint(record.id) };
  }

  /**
   * Calls `onView` with the pipeline now, then with every change, until unsubscribed; `onView`
   * learns the end from the state (finished, stopped, failed).
   */
  async watchPipeline(idOrName: string, onView: (view: PipelineView) => void): Promise<() => void> {
    await loadSqlParser();
    const record = this.#pipeline(idOrName);
    // Changes the runtime reports while subscribing wait until the current record went out.
    let pending: PipelineRecord[] | undefined = [];
    const unsubscribe = this.runtime.watchPipeline(record.id, (p) => {
      if (pending !== undefined) pending.push(p);
      else onView(pipelineView(p));
    });
    const current = this.store.findPipeline(record.id) ?? record;
    onView(pipelineView(current));
    const queued = pending;
    pending = undefined;
    for (const p of queued) if (p.updatedAtMs >= current.updatedAtMs) onView(pipelineView(p));
    return unsubscribe;
  }

  // -------------------------------------------------------------------------------------------
  // Workers

  async listWorkers(): Promise<WorkerView[]> {
    return this.runtime.workers().map((w) => ({ ...w, shards: [...w.shards], pipelines: [...w.pipelines] }));
  }

  // -------------------------------------------------------------------------------------------

  /** Stored profiles by name and by id, for `connection_profile = '...'` in pipeline scripts. */
  #profileModels(): Map<string, ConnectionProfile> {
    return new Map(
      this.store.listProfiles().flatMap((p) => {
        const model = profileModel(p);
        return [
          [p.id, model],
          [p.name, model],
        ] as const;
      }),
    );
  }

  #profile(idOrName: string): ProfileRecord {
    checkRef(idOrName);
    return this.store.findProfile(idOrName) ?? fail(notFound('connection profile', idOrName));
  }

  #table(idOrName: string): TableRecord {
    checkRef(idOrName);
    return this.store.findTable(idOrName) ?? fail(notFound('connection table', idOrName));
  }

  #pipeline(idOrName: string): PipelineRecord {
    checkRef(idOrName);
    return this.store.findPipeline(idOrName) ?? fail(notFound('pipeline', idOrName));
  }

  #assertNotEnded(record: PipelineRecord, what: string): void {
    if (record.state === 'finished' || record.state === 'failed' || record.state === 'stopped') {
      throw new ControlError(
        'ERR_FAILED_PRECONDITION',
        `cannot ${what} pipeline '${record.name}': it has ${record.state === 'failed' ? 'failed' : record.state === 'stopped' ? 'been stopped' : 'finished'}`,
      );
    }
  }

  /** The record is stored either way; a runtime that cannot take it now is logged, not an API error. */
  #tellRuntime(what: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.#logger.error({ err, call: what }, 'runtime refused a stored change');
    }
  }
}

function fail(err: Error): never {
  throw err;
}
