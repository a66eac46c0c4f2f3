/**
 * The state store's typed errors. None of them ever holds the store's URL as given: it may carry
 * a password, so messages name the store by its redacted address or its id.
 */
import { LaminarError } from '../errors.js';

export type StateStoreErrorCode = 'ERR_STATE_IO' | 'ERR_STATE_URL';

/** The store failed a read or a write, or its location cannot be used. */
export class StateStoreError extends LaminarError {
  constructor(code: StateStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A write carried an epoch (a coordinator's lease) or a generation (a job attempt's) that is no
 * longer the current one: a newer writer took over, and nothing was written.
 */
export class StateFencedError extends LaminarError {
  constructor(
    /** What the fence guards: `store` (the coordinator epoch) or a scope such as `pipelines/pl_x`. */
    readonly scope: string,
    /** The writer's epoch or generation. */
    readonly expected: number,
    /** The current one in the store. */
    readonly current: number,
  ) {
    super(
      'ERR_STATE_FENCED',
      `state store write refused: ${scope} is at ${current}, the writer holds ${expected} (a newer writer took over)`,
    );
  }
}

/** The store was written by a newer format version than this build reads; nothing was touched. */
export class StateVersionError extends LaminarError {
  constructor(
    readonly found: string,
    readonly supported: number,
  ) {
    super(
      'ERR_STATE_VERSION',
      `the state store was written by format version ${found}; this build reads version ${supported} and older, so it neither reads nor overwrites it`,
    );
  }
}

/** A worker of one state store was welcomed by a coordinator of another. */
export class StateMismatchError extends LaminarError {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      'ERR_STATE_MISMATCH',
      `this worker belongs to state store ${expected}, but the coordinator uses state store ${found}: two coordinators with different --state share the worker`,
    );
  }
}

/** Another live coordinator holds the store's lease. */
export class StateLeaseHeldError extends LaminarError {
  constructor(readonly store: string) {
    super('ERR_STATE_LEASE_HELD', `another coordinator holds the lease of state store ${store}`);
  }
}
