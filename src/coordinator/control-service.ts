/**
 * The gRPC `Control` service (proto/laminar/redis/v1/control.proto) over a ControlPlane: checks
 * the bearer token on every call, turns requests into the plane's inputs and views into proto
 * messages, and failures into gRPC statuses (grpc-status.ts).
 */
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerUnaryCall,
  sendUnaryData,
} from '@grpc/grpc-js';
import { type Logger, SILENT_LOGGER } from '../log.js';
import { checkGrpcAuth } from '../wire/auth.js';
import type {
  ControlServer,
  CreateConnectionProfileRequest,
  CreateConnectionTableRequest,
  CreatePipelineRequest,
  GetRequest,
} from '../wire/gen/laminar/redis/v1/control.js';
import {
  type ConnectionProfile,
  type ConnectionTable,
  type Pipeline,
  PipelineState,
  type TableRouting,
  type Worker,
  WorkerState,
} from '../wire/gen/laminar/redis/v1/resources.js';
import { statusOf, toServiceError } from '../wire/grpc-status.js';
import type { ControlPlane } from './control-plane.js';
import type { PipelineView, ProfileView, RoutingView, TableView } from './control-views.js';
import type { PipelineStateName } from './records.js';
import type { WorkerView } from './runtime-view.js';

export interface ControlServiceOptions {
  /** Bearer token every call must carry; undefined or "": no authentication (loopback only). */
  token?: string;
  /** Where unexpected (INTERNAL) failures are logged. */
  logger?: Logger;
}

/** Longest error message sent as a status's details (characters). */
const MAX_DETAILS = 2_000;

const ENDED: ReadonlySet<PipelineStateName> = new Set(['finished', 'stopped', 'failed']);

/** The `Control` service implementation, to pass to `server.addService(ControlService, ...)`. */
export function createControlService(
  plane: ControlPlane,
  options: ControlServiceOptions = {},
): ControlServer {
  const logger = options.logger ?? SILENT_LOGGER;
  const fail = (err: unknown): ReturnType<typeof toServiceError> => {
    if (statusOf(err).code === 'ERR_INTERNAL') logger.error({ err }, 'control call failed');
    const e = toServiceError(err);
    // The message travels in a trailer: one beyond the peer's header limit (16 KB by default)
    // is never delivered, and the call never answered.
    if (e.details !== undefined && e.details.length > MAX_DETAILS) {
      e.details = `${e.details.slice(0, MAX_DETAILS)}…`;
      e.message = e.details;
    }
    return e;
  };
  const unary =
    <Req, Res>(fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      try {
        checkGrpcAuth(options.token, call.metadata);
      } catch (err) {
        callback(fail(err));
        return;
      }
      fn(call.request).then(
        (res) => callback(null, res),
        (err) => callback(fail(err)),
      );
    };

  const watchPipeline: handleServerStreamingCall<GetRequest, Pipeline> = (call) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      unsubscribe?.();
      if (err === undefined) call.end();
      else call.emit('error', fail(err));
    };
    call.on('cancelled', () => finish());
    try {
      checkGrpcAuth(options.token, call.metadata);
    } catch (err) {
      finish(err);
      return;
    }
    plane
      .watchPipeline(call.request.id, (view) => {
        if (done) return;
        call.write(pipelineMessage(view));
        if (ENDED.has(view.state)) queueMicrotask(() => finish());
      })
      .then(
        (stop) => {
          unsubscribe = stop;
          if (done) stop();
        },
        (err) => finish(err),
      );
  };

  return {
    createConnectionProfile: unary(async (req: CreateConnectionProfileRequest) =>
      profileMessage(await plane.createProfile(profileBody(req))),
    ),
    getConnectionProfile: unary(async (req: GetRequest) => profileMessage(await plane.getProfile(req.id))),
    listConnectionProfiles: unary(async () => ({ data: (await plane.listProfiles()).map(profileMessage) })),
    deleteConnectionProfile: unary(async (req: GetRequest) => {
      await plane.deleteProfile(req.id);
      return {};
    }),
    testConnectionProfile: unary(async (req) =>
      plane.testProfile(
        req.id !== '' ? { id: req.id } : { profile: profileBody(req.profile ?? emptyProfile()) },
      ),
    ),
    createConnectionTable: unary(async (req: CreateConnectionTableRequest) =>
      tableMessage(await plane.createTable(tableBody(req))),
    ),
    getConnectionTable: unary(async (req: GetRequest) => tableMessage(await plane.getTable(req.id))),
    listConnectionTables: unary(async () => ({ data: (await plane.listTables()).map(tableMessage) })),
    deleteConnectionTable: unary(async (req: GetRequest) => {
      await plane.deleteTable(req.id);
      return {};
    }),
    testConnectionTable: unary(async (req: GetRequest) => plane.testTable(req.id)),
    getTableRouting: unary(async (req: GetRequest) => routingMessage(await plane.tableRouting(req.id))),
    createPipeline: unary(async (req: CreatePipelineRequest) =>
      pipelineMessage(await plane.createPipeline(pipelineBody(req))),
    ),
    getPipeline: unary(async (req: GetRequest) => pipelineMessage(await plane.getPipeline(req.id))),
    listPipelines: unary(async () => ({ data: (await plane.listPipelines()).map(pipelineMessage) })),
    stopPipeline: unary(async (req: GetRequest) => pipelineMessage(await plane.stopPipeline(req.id))),
    triggerCheckpoint: unary(async (req: GetRequest) => plane.triggerCheckpoint(req.id)),
    watchPipeline,
    listWorkers: unary(async () => ({ data: (await plane.listWorkers()).map(workerMessage) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests → plane inputs. proto3 has no "absent" for strings: empty strings are left out, so
// validation reports "is required" rather than "must not be empty".

function emptyProfile(): CreateConnectionProfileRequest {
  return { name: '', connector: '', config: undefined };
}

function profileBody(req: CreateConnectionProfileRequest): Record<string, unknown> {
  return present({ name: req.name, connector: req.connector, config: req.config });
}

function tableBody(req: CreateConnectionTableRequest): Record<string, unknown> {
  return present({
    name: req.name,
    connector: req.connector,
    connectionProfileId: req.connectionProfileId,
    config: req.config,
    schema: req.schema,
    // `optional` in the proto: absent is the default, an explicit 0 is refused as over HTTP.
    shards: req.shards,
    sql: req.sql,
  });
}

function pipelineBody(req: CreatePipelineRequest): Record<string, unknown> {
  const body: Record<string, unknown> = present({ name: req.name });
  if (req.definition?.$case === 'sql') body.sql = req.definition.value;
  if (req.definition?.$case === 'spec') body.spec = req.definition.value ?? {};
  return body;
}

function present(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Views → messages. Struct fields are plain objects in ts-proto; a JSON round trip drops
// `undefined` members, which a Struct cannot carry.

function struct(v: object | undefined): Record<string, unknown> | undefined {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function profileMessage(v: ProfileView): ConnectionProfile {
  return {
    id: v.id,
    name: v.name,
    connector: v.connector,
    config: struct(v.config),
    createdAtMs: v.createdAtMs,
  };
}

function tableMessage(v: TableView): ConnectionTable {
  return {
    id: v.id,
    name: v.name,
    connector: v.connector,
    connectionProfileId: v.connectionProfileId,
    config: struct(v.config),
    schema: struct(v.schema),
    shards: v.shards,
    createdAtMs: v.createdAtMs,
    sql: v.sql ?? '',
    model: struct(v.model),
    state: v.state,
    error: v.error ?? '',
  };
}

const PIPELINE_STATES: Readonly<Record<PipelineStateName, PipelineState>> = {
  pending: PipelineState.PIPELINE_STATE_PENDING,
  running: PipelineState.PIPELINE_STATE_RUNNING,
  recovering: PipelineState.PIPELINE_STATE_RECOVERING,
  finished: PipelineState.PIPELINE_STATE_FINISHED,
  stopped: PipelineState.PIPELINE_STATE_STOPPED,
  failed: PipelineState.PIPELINE_STATE_FAILED,
};

function pipelineMessage(v: PipelineView): Pipeline {
  return {
    id: v.id,
    name: v.name,
    state: PIPELINE_STATES[v.state] ?? PipelineState.PIPELINE_STATE_UNSPECIFIED,
    sql: v.sql ?? '',
    spec: struct(v.spec),
    workerId: v.workerId,
    generation: v.generation,
    lastCheckpointId: v.lastCheckpointId,
    error: v.error ?? '',
    createdAtMs: v.createdAtMs,
    updatedAtMs: v.updatedAtMs,
  };
}

const WORKER_STATES: Record<WorkerView['state'], WorkerState> = {
  ready: WorkerState.WORKER_STATE_READY,
  lost: WorkerState.WORKER_STATE_LOST,
  stopped: WorkerState.WORKER_STATE_STOPPED,
};

function workerMessage(w: WorkerView): Worker {
  return {
    id: w.id,
    ingestAddress: w.ingestAddress,
    state: WORKER_STATES[w.state],
    registeredAtMs: w.registeredAtMs,
    lastHeartbeatMs: w.lastHeartbeatMs,
    shards: w.shards,
    pipelines: w.pipelines,
  };
}

function routingMessage(v: RoutingView): TableRouting {
  return {
    tableId: v.tableId,
    tableName: v.tableName,
    shards: v.shards,
    routes: v.routes.map((r) => ({ ...r })),
    model: struct(v.model),
  };
}
