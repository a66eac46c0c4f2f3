/**
 * The connection a lookup table reads through: a standalone client or a cluster client, set up so
 * that no attempt waits longer than its share of the table's `'lookup.timeout'` — a command
 * waiting for a reconnect times out (`commandTimeout`), and the cluster gives up on an unreachable
 * slot just as soon (`failoverTimeout`) — so retries stay within the bound.
 */

import type { LaminarLogger } from '../log.js';
import type { RedisTransport } from '../resp/target.js';
import { connectResolved } from '../schema/connect.js';
import { resolveSecrets } from '../schema/secrets.js';
import { LookupError } from './errors.js';
import type { LookupTable } from './model.js';

/** What a lookup reads through: a standalone client or a cluster client. */
export type LookupTarget = RedisTransport;

/** Shortest time one attempt may take, ms. */
export const MIN_ATTEMPT_TIMEOUT_MS = 50;

/** How long one attempt may take: the table's timeout shared among its attempts. */
export function attemptTimeout(table: LookupTable): number {
  return Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.floor(table.timeoutMs / table.maxAttempts));
}

/**
 * Connects for a lookup table, resolving `{{ VAR }}` secrets from `env` now (never stored).
 *
 * @throws MissingSecretError naming a variable that is not set.
 * @throws LookupError (`ERR_LOOKUP`) when Redis cannot be reached.
 */
export async function connectLookupTarget(
  table: LookupTable,
  env: Readonly<Record<string, string | undefined>> = process.env,
  logger?: LaminarLogger,
): Promise<LookupTarget> {
  const resolved = resolveSecrets(table.profile, env);
  const timeout = attemptTimeout(table);
  try {
    return await connectResolved(resolved, {
      commandTimeout: timeout,
      failoverTimeout: timeout,
      readFrom: table.readFrom,
      logger,
    });
  } catch (e) {
    // The client's messages never contain the password or the URL.
    const reason = e instanceof Error ? e.message : String(e);
    throw new LookupError(`cannot connect to Redis: ${reason}`, { table: table.name, cause: e });
  }
}
