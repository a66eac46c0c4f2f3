/**
 * What a producer retries, and how long it waits between attempts.
 */
import { status } from '@grpc/grpc-js';

/**
 * Statuses after which a producer refreshes the routing and reconnects:
 * - UNAVAILABLE: worker or coordinator down, shard ended (revoked, failed, worker stopping);
 * - FAILED_PRECONDITION: the worker does not host the shard (routing is stale);
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
