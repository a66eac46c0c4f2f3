import { LaminarError } from '../../errors.js';

/** Codes of {@link SentinelError}. */
export type SentinelErrorCode =
  | 'ERR_SENTINEL_UNREACHABLE'
  | 'ERR_SENTINEL_UNKNOWN_MASTER'
  | 'ERR_SENTINEL_NO_PRIMARY';

/**
 * Sentinel could not name a usable primary: no Sentinel answered, none knows the master name, or
 * no address it gave reported `role:master` within the failover timeout. `cause` holds the last
 * failure; messages name Sentinels and servers by `host:port`, never with credentials.
 */
export class SentinelError extends LaminarError {
  constructor(
    code: SentinelErrorCode,
    message: string,
    /** The master name the Sentinels were asked about. */
    readonly masterName: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
