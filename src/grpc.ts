/**
 * `laminar-redis/grpc`: typed gRPC clients of the coordinator's `Control` service and a worker's
 * `Ingest` service, their messages (generated from the `.proto` files the package ships under
 * `laminar-redis/proto/`), and JSON ↔ `google.protobuf.Struct` helpers for dynamic clients.
 * Importing it loads grpc-js and the generated code, no coordinator, worker, SQL or sink code.
 *
 * ```ts
 * import { connectControl } from 'laminar-redis/grpc';
 * ```
 */

export { ERROR_CODES, type ErrorCode, LaminarError } from './errors.js';
export {
  CheckpointResult,
  ControlClient,
  ControlService,
  CreateConnectionProfileRequest,
  CreateConnectionTableRequest,
  CreatePipelineRequest,
  DeleteResponse,
  GetRequest,
  ListConnectionProfilesResponse,
  ListConnectionTablesResponse,
  ListPipelinesResponse,
  ListRequest,
  ListWorkersResponse,
  TestConnectionProfileRequest,
  TestResult,
} from './wire/gen/laminar/redis/v1/control.js';
export {
  IngestClient,
  IngestService,
  RowBatch,
  RowEncoding,
  WriteAck,
  WriteFlush,
  WriteOpen,
  WriteOpened,
  WriteRequest,
  WriteResponse,
} from './wire/gen/laminar/redis/v1/ingest.js';
export {
  ConnectionProfile,
  ConnectionTable,
  Pipeline,
  PipelineState,
  ShardRoute,
  TableRouting,
  Worker,
  WorkerState,
} from './wire/gen/laminar/redis/v1/resources.js';
export {
  connectControl,
  connectIngest,
  GrpcConnectError,
  type GrpcConnectOptions,
  type GrpcTlsOptions,
  type UnaryRequest,
  type UnaryResponse,
  unary,
} from './wire/grpc-clients.js';
export { LEADER_TRAILER, leaderHint, NOT_LEADER_CODE } from './wire/not-leader.js';
export {
  fromProtoValue,
  fromStruct,
  type JsonObject,
  type JsonValue,
  type ProtoStruct,
  type ProtoValue,
  toProtoValue,
  toStruct,
} from './wire/struct-json.js';
