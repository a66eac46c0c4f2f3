/** The errors of the bench harness (`runBenchmark()`, `laminar-redis bench`). */
import { LaminarError } from '../errors.js';

/** A benchmark option that is missing, out of range or does not fit the others. */
export class BenchOptionsError extends LaminarError {
  constructor(
    /** The option at fault, as `runBenchmark()` names it (`rate`, `target`, ...). */
    readonly option: string,
    message: string,
  ) {
    super('ERR_BENCH_OPTIONS', `option '${option}' ${message}`);
  }
}

/**
 * Keys under the run's prefix exist already: the harness never writes into a prefix it did not
 * create, because its cleanup would delete them and its verify mode would miscount.
 */
export class BenchPrefixInUseError extends LaminarError {
  constructor(
    /** The key prefix that is not empty. */
    readonly prefix: string,
    /** A key found under it (the first the scan met). */
    readonly key: string,
  ) {
    super(
      'ERR_BENCH_PREFIX_IN_USE',
      `keys under the prefix '${prefix}' exist already (for one, '${key}'): pick another --run-id, or delete them`,
    );
  }
}

/** The coordinator refused or failed a call the harness needs (creating or dropping its table). */
export class BenchCoordinatorError extends LaminarError {
  constructor(
    /** The control call (`createConnectionTable`, ...). */
    readonly call: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_BENCH_COORDINATOR', `coordinator call ${call} failed: ${message}`, options);
  }
}

/** Verify mode found that what landed differs from what was written. */
export class BenchVerifyError extends LaminarError {
  constructor(
    /** One line per difference (at most 20). */
    readonly problems: readonly string[],
  ) {
    super(
      'ERR_BENCH_VERIFY',
      `verify found ${problems.length} difference(s) between what was written and what landed: ${problems.slice(0, 3).join('; ')}`,
    );
  }
}
