/**
 * Errors of the {@link Producer}. A failed producer stays failed: every pending and later
 * `write()`/`flush()` rejects with the same {@link ProducerFailedError}.
 */

import { status } from '@grpc/grpc-js';
import { LaminarError } from '../errors.js';

/** Why a producer failed, as {@link ProducerFailedError.reason}. */
export type ProducerFailureReason =
  /** A worker or the coordinator refused the call for good (gRPC status name in `grpcStatus`). */
  | 'REJECTED'
  /** A shard stayed unreachable longer than `retryTimeoutMs`. */
  | 'RETRY_TIMEOUT'
  /** The routing cannot be used: invalid model, or the table's shard count changed. */
  | 'ROUTING'
  /** A batch could not be encoded (v8: a row holding a function or symbol). */
  | 'ENCODING'
  /**
   * A worker acknowledged less than it had acknowledged before (restored from an older
   * checkpoint): rows in between cannot be resent, so they may be lost.
   */
  | 'ACK_REGRESSED'
  /** A worker acknowledged sequence numbers this producer never sent: another producer uses its id. */
  | 'PRODUCER_ID_CONFLICT'
  /**
   * The coordinator takes no more rows for the destination: the table failed (a bad row under
   * `'sink.on_error' = 'fail'`, or a shard that kept failing) or the pipeline ended. The message
   * carries the coordinator's reason.
   */
  | 'TABLE_FAILED';

/** The producer cannot go on; `cause` holds the underlying error (a gRPC ServiceError, ...). */
export class ProducerFailedError extends LaminarError {
  /** The gRPC status code of the cause, when it was a refused call. */
  readonly grpcStatus: number | undefined;
  constructor(
    readonly producerId: string,
    readonly table: string,
    readonly reason: ProducerFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_PRODUCER_FAILED', `producer ${producerId} (table '${table}'): ${message}`, options);
    this.grpcStatus = grpcStatusOf(options?.cause);
  }
}

/** `write()`/`flush()` after `close()`, or a `close()` aborted before every row was acknowledged. */
export class ProducerClosedError extends LaminarError {
  constructor(
    readonly producerId: string,
    /** Rows left unacknowledged by an aborted close (0 otherwise). */
    readonly unackedRows = 0,
  ) {
    super(
      'ERR_PRODUCER_CLOSED',
      unackedRows > 0
        ? `producer ${producerId} closed with ${unackedRows} rows unacknowledged (close aborted)`
        : `producer ${producerId} is closed`,
    );
  }
}

/** A producer option is missing or invalid; names the option. */
export class ProducerOptionsError extends LaminarError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super('ERR_PRODUCER_OPTIONS', `producer option ${option}: ${message}`);
  }
}

/** The numeric gRPC status of an error (a grpc-js ServiceError), else undefined. */
export function grpcStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `UNAVAILABLE` for 14, for messages and logs. */
export function statusName(code: number | undefined): string {
  return code === undefined ? 'no status' : (status[code] ?? `status ${code}`);
}
