/**
 * What a producer retries, and how long it waits between attempts.
 */
import { status } from '@grpc/grpc-js';

/**
 * Statuses after which a producer refreshes the routing and reconnects:
 * - UNAVAILABLE: worker or coordinator down, shard ended (revoked, failed, worker stopping);
 * - FAILED_PRECONDITION: the worker does not host the shard (routing is stale) — but not from the
 *   coordinator's routing call, see {@link isDestinationFailed};
 * - CANCELLED, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN: a call that died on the way.
 *
 * Everything else (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED,
 * RESOURCE_EXHAUSTED, ...) would fail the same way again: the producer fails.
 */
const RETRYABLE: ReadonlySet<number> = new Set([
  status.UNAVAILABLE,
  status.FAILED_PRECONDITION,
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.INTERNAL,
  status.UNKNOWN,
]);

/**
 * True when the coordinator's routing answer (`Control.GetTableRouting`) says the destination takes
 * no more rows: FAILED_PRECONDITION there means the table failed or the pipeline ended. (A worker's
 * FAILED_PRECONDITION — "I do not host this shard" — is stale routing, retried.)
 */
export function isDestinationFailed(code: number | undefined): boolean {
  return code === status.FAILED_PRECONDITION;
}

/** The message of a producer whose destination failed: the coordinator's reason. */
export function destinationFailed(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown };
  const why = typeof e.details === 'string' && e.details !== '' ? e.details : String(e.message);
  return `the coordinator takes no more rows for it: ${why}`;
}

/** True when a call ending with this status is worth retrying (undefined: no status, a local failure). */
export function isRetryableStatus(code: number | undefined): boolean {
  return code === undefined || RETRYABLE.has(code);
}

/** First reconnect delay, ms. */
export const RETRY_INITIAL_DELAY_MS = 50;
/** Longest reconnect delay, ms. */
export const RETRY_MAX_DELAY_MS = 2_000;

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from
 * {@link RETRY_INITIAL_DELAY_MS}, capped at {@link RETRY_MAX_DELAY_MS}, then spread over
 * [50 %, 100 %] so producers that lost the same worker do not come back in lockstep.
 */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RETRY_MAX_DELAY_MS, RETRY_INITIAL_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.5 + 0.5 * random()));
}
