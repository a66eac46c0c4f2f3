/**
 * Errors of SQL pipeline scripts: tables that are valid SQL but not a valid pipeline
 * ({@link PipelineSqlError}), queries that do not compile ({@link SqlQueryError}) and values a
 * compiled query cannot compute ({@link SqlEvalError}). Messages give the line and column in the
 * script and never contain a secret.
 */
import { LaminarError } from '../errors.js';
import type { SqlPosition } from '../schema/errors.js';

/** A pipeline script's table or statement that is valid SQL but not a valid pipeline. Names the table and option. */
export class PipelineSqlError extends LaminarError {
  constructor(
    problem: string,
    readonly table?: string,
    readonly option?: string,
    readonly position?: SqlPosition,
  ) {
    const subject = table === undefined ? 'pipeline script' : `table '${table}'`;
    const what = option === undefined ? '' : `option '${option}' `;
    super('ERR_PIPELINE_SQL', `${subject}: ${what}${problem}${at(position)}`);
  }
}

/**
 * What a query compile error is about; the code is `ERR_SQL_QUERY` for every kind, so callers
 * that only report errors need one case, and tests can tell kinds apart.
 */
export type SqlQueryErrorKind =
  /** A column that is not in the source's (or sink's) columns. */
  | 'unknown-column'
  /** A function that does not exist, or exists only in another context (aggregate in WHERE). */
  | 'unknown-function'
  /** A table the script does not declare, or a sink read from / a source written to. */
  | 'unknown-table'
  /** Operand or argument types that do not fit, or a value that does not fit its sink column. */
  | 'type'
  /** Valid SQL outside the supported dialect (joins, LIMIT, HAVING, window functions, ...). */
  | 'unsupported'
  /** A query whose shape the runtime cannot run soundly (e.g. a sink key not from GROUP BY). */
  | 'shape';

/** An `INSERT INTO ... SELECT` that does not compile. Gives the line and column in the script. */
export class SqlQueryError extends LaminarError {
  constructor(
    readonly kind: SqlQueryErrorKind,
    problem: string,
    readonly position?: SqlPosition,
  ) {
    super('ERR_SQL_QUERY', `${problem}${at(position)}`);
  }

  /** Line in the script, when known. */
  get line(): number | undefined {
    return this.position?.line;
  }

  /** Column in the script, when known. */
  get column(): number | undefined {
    return this.position?.column;
  }
}

/**
 * A compiled query could not compute a value for a row (division by zero, a failed CAST, a
 * source value that does not fit its declared type). Names the row's partition and offset.
 */
export class SqlEvalError extends LaminarError {
  /** Source partition of the row, once known. */
  partition: string | undefined;
  /** Offset of the row within its partition, once known. */
  offset: number | undefined;
  constructor(
    readonly reason: string,
    readonly position?: SqlPosition,
  ) {
    super('ERR_SQL_EVAL', `${reason}${at(position)}`);
  }

  /** Adds the row's position to the message (once). */
  locate(partition: string, offset: number): this {
    if (this.partition === undefined) {
      this.partition = partition;
      this.offset = offset;
      this.message = `${this.message}; row ${offset} of partition ${partition}`;
    }
    return this;
  }
}

function at(position: SqlPosition | undefined): string {
  return position === undefined ? '' : ` (line ${position.line}, column ${position.column})`;
}
