/**
 * The JSON bodies of the HTTP control API (`/v1`, docs/api.md), as types for programs that call it
 * with `fetch`: what each endpoint takes and answers. The coordinator still validates every body
 * at run time (a typed body can hold wrong values); these only let a compiler catch a misspelt
 * field before the server does.
 *
 * ```ts
 * const body: CreateTableBody = { name: 't', connector: 'redis', connectionProfileId: 'redis_cache', config };
 * const table = (await (await fetch(url, { method: 'POST', body: JSON.stringify(body) })).json()) as TableView;
 * ```
 */
import type { ErrorCode } from '../errors.js';
import type { JobSpec } from '../plan/job-spec.js';
import type { ProfileBody, TableBody } from '../sink/config/json.js';
import type { ControlErrorCode } from '../wire/control-errors.js';

export type {
  CheckpointResultView,
  PipelineView,
  ProfileView,
  RoutingView,
  TableView,
  TestResultView,
} from './control-views.js';
export type { ShardRouteView, WorkerView } from './runtime-view.js';
export type { ProfileBody, TableBody };

/** `POST /v1/connection_profiles` and `POST /v1/connection_profiles/test`. */
export type CreateProfileBody = ProfileBody;

/**
 * `POST /v1/connection_tables` with a JSON table. `connectionProfileId` is a profile's id or name
 * (required here). `shards`: a positive integer up to 256; absent, the coordinator's default.
 */
export interface CreateTableBody extends TableBody {
  connectionProfileId: string;
  shards?: number;
}

/**
 * `POST /v1/connection_tables` with one sink `CREATE TABLE ... WITH (connector = 'redis', ...)`;
 * `name`, when given, must be the statement's.
 */
export interface CreateSqlTableBody {
  sql: string;
  name?: string;
  connector?: 'redis';
  shards?: number;
}

/**
 * `POST /v1/pipelines`: a script of `CREATE TABLE` and `INSERT INTO ... SELECT` statements
 * (docs/pipelines.md), or a job spec (docs/runtime.md; `checkpoint.dir` may be left out, and
 * `name` given here instead of in the spec).
 */
export type CreatePipelineBody =
  | { name: string; sql: string }
  | {
      name?: string;
      spec: Omit<JobSpec, 'checkpoint' | 'name'> & {
        name?: string;
        checkpoint?: Partial<JobSpec['checkpoint']>;
      };
    };

/** The answer of the list endpoints (`GET /v1/connection_profiles`, ...). */
export interface ListBody<T> {
  data: T[];
}

/** The answer of a failed call (any status but 200). */
export interface ErrorBody {
  error: {
    /** The control code (`ERR_NOT_FOUND`, ...) or, outside the control plane, `ERR_PAYLOAD_TOO_LARGE`, `ERR_METHOD_NOT_ALLOWED`. */
    code: ControlErrorCode | 'ERR_INTERNAL' | 'ERR_PAYLOAD_TOO_LARGE' | 'ERR_METHOD_NOT_ALLOWED';
    /** The gRPC status name (`NOT_FOUND`); absent for 405 and 413. */
    status?: string;
    message: string;
    /** The validation error's own code (`ERR_SINK_CONFIG`, `ERR_SQL_SYNTAX`, ...). */
    reason?: ErrorCode;
  };
}
