import { LaminarError } from '../errors.js';

/** A job spec is not valid: names the field. */
export class JobSpecError extends LaminarError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('ERR_JOB_SPEC', `job spec: ${field}: ${message}`);
  }
}
