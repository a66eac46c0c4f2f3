/**
 * The base of every error laminar-redis raises. Each subclass carries a stable `.code` (match on
 * it, never on messages), context fields, and the `cause` it wraps; docs/errors.md lists every
 * code with what it means and what to do.
 */

/** Base class of every error raised by laminar-redis. */
export class LaminarError extends Error {
  /** Stable machine-readable code, e.g. `ERR_REPLY`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
