import { LaminarError } from '../errors.js';

/** redis-server failed to start (or restart); the message ends with the tail of its log. */
export class RedisServerError extends LaminarError {
  constructor(
    message: string,
    readonly port: number,
    readonly log: string,
    /** The port was taken by another process: a start with a fresh port may succeed. */
    readonly addressInUse = false,
  ) {
    super('ERR_REDIS_SERVER', log === '' ? message : `${message}\n--- redis-server log ---\n${log}`);
  }
}

/**
 * A tool around the private servers failed: `redis-cli` refused a command, `openssl` could not
 * make certificates, or a cluster did not come up healthy in time.
 */
export class RedisHarnessError extends LaminarError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_REDIS_HARNESS', message, options);
  }
}
