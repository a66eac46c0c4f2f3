/**
 * Errors of lookup tables. Callers switch on `.code`, never on messages:
 *
 * | class               | code                | when                                                    |
 * |---------------------|---------------------|---------------------------------------------------------|
 * | `LookupConfigError` | `ERR_LOOKUP_CONFIG` | the declaration is wrong (names the table and option)   |
 * | `LookupError`       | `ERR_LOOKUP`        | Redis could not answer: connection, timeout, error reply |
 * | `LookupValueError`  | `ERR_LOOKUP_VALUE`  | a stored value does not fit the table's columns          |
 *
 * Configuration messages never contain a secret (password, username, address): they come from
 * the sink's validators, which describe such values instead of echoing them.
 */

import { LaminarError } from '../errors.js';
import type { SinkConfigError, SqlPosition } from '../schema/errors.js';

/** A lookup table declaration that cannot be used. The message names the table and the option. */
export class LookupConfigError extends LaminarError {
  readonly table: string | undefined;
  readonly option: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    message: string,
    context: { table?: string; option?: string; position?: SqlPosition; cause?: unknown },
  ) {
    super('ERR_LOOKUP_CONFIG', message, { cause: context.cause });
    this.table = context.table;
    this.option = context.option;
    this.line = context.position?.line;
    this.column = context.position?.column;
  }

  /** The same problem found by a sink validator this module reuses (profile, address, secrets). */
  static from(e: SinkConfigError): LookupConfigError {
    const position =
      e.line === undefined || e.column === undefined ? undefined : { line: e.line, column: e.column };
    return new LookupConfigError(e.message, { table: e.table, option: e.option, position, cause: e.cause });
  }
}

/** Context of a {@link LookupError}. */
export interface LookupErrorContext {
  /** The lookup table. */
  table: string;
  /** The join key (text, without the prefix) the failure is about, when there is one. */
  key?: string;
  /** Attempts made before giving up. */
  attempts?: number;
  cause?: unknown;
}

/** Longest key shown in a message; keys are user data and may be long. */
const MAX_SHOWN_KEY = 80;

/**
 * Redis did not answer a lookup: the connection failed or timed out on every attempt, or it
 * answered with an error retrying cannot fix (`WRONGTYPE`, `NOPERM`, ...). Names the key.
 */
export class LookupError extends LaminarError {
  readonly table: string;
  readonly key: string | undefined;
  readonly attempts: number | undefined;
  constructor(
    reason: string,
    context: LookupErrorContext,
    code: 'ERR_LOOKUP' | 'ERR_LOOKUP_VALUE' = 'ERR_LOOKUP',
  ) {
    super(code, formatMessage(reason, context), { cause: context.cause });
    this.table = context.table;
    this.key = context.key;
    this.attempts = context.attempts;
  }
}

/** A stored value that does not fit the table: not a JSON object, or a field of the wrong type. */
export class LookupValueError extends LookupError {
  /** The column whose value did not convert, when one did not. */
  readonly columnName: string | undefined;
  constructor(reason: string, context: LookupErrorContext & { column?: string }) {
    super(reason, context, 'ERR_LOOKUP_VALUE');
    this.columnName = context.column;
  }
}

function formatMessage(reason: string, c: LookupErrorContext): string {
  const key =
    c.key === undefined
      ? ''
      : `, key '${c.key.length > MAX_SHOWN_KEY ? `${c.key.slice(0, MAX_SHOWN_KEY)}…` : c.key}'`;
  const attempts =
    c.attempts === undefined ? '' : ` after ${c.attempts} attempt${c.attempts === 1 ? '' : 's'}`;
  return `lookup table '${c.table}'${key}: ${reason}${attempts}`;
}
