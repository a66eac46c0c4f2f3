/**
 * The one table from control error codes to gRPC status codes and HTTP statuses. Both transports
 * go through {@link statusOf}, so a failure looks the same over gRPC and HTTP.
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { type ClassifiedError, classifyError } from './control-errors.js';

interface StatusRow {
  grpc: status;
  http: number;
  /** The gRPC status name, also shown in HTTP error bodies. */
  name: string;
}

const STATUS: Readonly<Record<ClassifiedError['code'], StatusRow>> = {
  ERR_INVALID_ARGUMENT: { grpc: status.INVALID_ARGUMENT, http: 400, name: 'INVALID_ARGUMENT' },
  ERR_UNAUTHENTICATED: { grpc: status.UNAUTHENTICATED, http: 401, name: 'UNAUTHENTICATED' },
  ERR_NOT_FOUND: { grpc: status.NOT_FOUND, http: 404, name: 'NOT_FOUND' },
  ERR_ALREADY_EXISTS: { grpc: status.ALREADY_EXISTS, http: 409, name: 'ALREADY_EXISTS' },
  // 409 rather than 412: 412 is about HTTP conditional headers (If-Match), which this API has none
  // of; "the resource is in a state that conflicts with the request" is what 409 means.
  ERR_FAILED_PRECONDITION: { grpc: status.FAILED_PRECONDITION, http: 409, name: 'FAILED_PRECONDITION' },
  ERR_INTERNAL: { grpc: status.INTERNAL, http: 500, name: 'INTERNAL' },
};

/** How a failure is reported on both transports. */
export interface ErrorStatus extends ClassifiedError {
  grpc: status;
  http: number;
  /** gRPC status name (`NOT_FOUND`). */
  status: string;
}

/** Classifies a thrown value and looks up its gRPC and HTTP statuses. */
export function statusOf(err: unknown): ErrorStatus {
  const classified = classifyError(err);
  const row = STATUS[classified.code];
  return { ...classified, grpc: row.grpc, http: row.http, status: row.name };
}

/**
 * A grpc-js error for a failed call: the status code, the safe message as `details`, the stable
 * code in the `laminar-code` trailer and the original error's code (`ERR_SINK_CONFIG`) in
 * `laminar-reason`, so clients can switch on them.
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const s = statusOf(err);
  const metadata = new Metadata();
  metadata.set('laminar-code', s.code);
  if (s.reason !== undefined) metadata.set('laminar-reason', s.reason);
  return { code: s.grpc, details: s.message, message: s.message, metadata };
}
