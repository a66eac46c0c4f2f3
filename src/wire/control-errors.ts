import { type ErrorCode, LaminarError } from '../errors.js';
/**
 * Errors of the control API. Every failure a caller can act on has one of five stable codes; the
 * gRPC status and HTTP status of each code live in grpc-status.ts, so both transports agree.
 */

/** The stable codes of {@link ControlError}. */
export type ControlErrorCode =
  /** No profile, table or pipeline has that id or name. */
  | 'ERR_NOT_FOUND'
  /** A resource of that kind already has that name. */
  | 'ERR_ALREADY_EXISTS'
  /** The request is valid but the system is not in a state to do it (a profile still in use). */
  | 'ERR_FAILED_PRECONDITION'
  /** The request is malformed or fails validation; the message says which option and why. */
  | 'ERR_INVALID_ARGUMENT'
  /** No bearer token, or the wrong one. */
  | 'ERR_UNAUTHENTICATED';

/** A control API failure with a stable {@link ControlErrorCode}. */
export class ControlError extends LaminarError {
  declare readonly code: ControlErrorCode;
  constructor(code: ControlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The kind of resource a lookup was for, as messages name it. */
export type ResourceKind = 'connection profile' | 'connection table' | 'pipeline';

/** `connection profile 'x' not found`. */
export function notFound(kind: ResourceKind, idOrName: string): ControlError {
  return new ControlError('ERR_NOT_FOUND', `${kind} '${idOrName}' not found`);
}

/** `connection profile 'x' already exists`. */
export function alreadyExists(kind: ResourceKind, name: string): ControlError {
  return new ControlError('ERR_ALREADY_EXISTS', `a ${kind} named '${name}' already exists`);
}

/** An INVALID_ARGUMENT error with the given message. */
export function invalidArgument(message: string, cause?: unknown): ControlError {
  return new ControlError('ERR_INVALID_ARGUMENT', message, cause === undefined ? undefined : { cause });
}

/**
 * Codes of validation errors raised by the configuration front doors and parsers. Their messages
 * name the table (or profile) and the option and never contain a secret, so they are passed to
 * the caller as they are, under INVALID_ARGUMENT.
 */
export const VALIDATION_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_SINK_CONFIG', // SinkConfigError: JSON bodies, SQL DDL, TypeScript models
  'ERR_SQL_SYNTAX', // SqlSyntaxError, with line and column
  'ERR_JOB_SPEC', // JobSpecError, naming the field
  'ERR_PIPELINE_SQL', // PipelineSqlError: source tables of a pipeline script
  'ERR_SQL_QUERY', // SqlQueryError: INSERT ... SELECT queries of a pipeline, with line and column
  'ERR_LOOKUP_CONFIG', // LookupConfigError: lookup tables of a pipeline script, naming table and option
  'ERR_CONFIG', // ConfigError of the client options (a malformed Redis URL)
  'ERR_INGEST_BODY', // IngestBodyError: an HTTP ingest body line that is no row object
  'ERR_ROW_KIND', // RowKindError: a delete into an 'append' table, naming the table and the row
]);

/** What a control call failed with, reduced to what the transports need. */
export interface ClassifiedError {
  /** A {@link ControlErrorCode}, or `ERR_INTERNAL` for anything unexpected. */
  code: ControlErrorCode | 'ERR_INTERNAL';
  /** Safe to show the caller. */
  message: string;
  /** The original error's own code when it differs (e.g. `ERR_SINK_CONFIG`). */
  reason?: ErrorCode;
}

/**
 * Maps any thrown value to a control error code and a message safe to return. Unexpected errors
 * become `ERR_INTERNAL` with a generic message: their text was never reviewed for secrets.
 */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof ControlError) return { code: err.code, message: err.message };
  if (err instanceof LaminarError) {
    if (VALIDATION_CODES.has(err.code)) {
      return { code: 'ERR_INVALID_ARGUMENT', message: err.message, reason: err.code };
    }
    // The runtime side (RuntimeView) reports with the control codes themselves.
    if (isControlCode(err.code)) return { code: err.code, message: err.message };
    return { code: 'ERR_INTERNAL', message: `internal error (${err.code})`, reason: err.code };
  }
  return { code: 'ERR_INTERNAL', message: 'internal error' };
}

function isControlCode(code: ErrorCode): code is ControlErrorCode {
  return (
    code === 'ERR_NOT_FOUND' ||
    code === 'ERR_ALREADY_EXISTS' ||
    code === 'ERR_FAILED_PRECONDITION' ||
    code === 'ERR_INVALID_ARGUMENT' ||
    code === 'ERR_UNAUTHENTICATED'
  );
}
