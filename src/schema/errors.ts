/**
 * Errors of the sink configuration. Every front door (JSON bodies, SQL DDL, TypeScript objects)
 * raises the same classes, so callers switch on `.code`, never on messages.
 *
 * Messages never contain a secret: no password, username, address or resolved variable is ever
 * echoed, only option names, variable names and values of harmless options (enums, numbers).
 */

import { LaminarError } from '../errors.js';

/** Position in SQL text, 1-based. */
export interface SqlPosition {
  line: number;
  column: number;
}

/** What a configuration error is about: the table (and option), or a stand-alone profile. */
export interface SinkConfigErrorContext {
  /** Table name, when the error is about a table (undefined for a stand-alone profile or an unnamed body). */
  table?: string;
  /** Connection profile name, when the error is about a stand-alone profile. */
  profile?: string;
  /** The option as the user spelled it in this front door (`'sink.ttl_secs'`, `config.connectorType.target.ttlSecs`). */
  option?: string;
  /** Where the option is in the SQL text (SQL DDL only). */
  position?: SqlPosition;
  cause?: unknown;
}

/**
 * A configuration that cannot become a sink: unknown option, missing or wrong-typed value, a
 * column that is not in the schema, an impossible combination. One error per problem; the
 * message names the table (or profile) and the option.
 */
export class SinkConfigError extends LaminarError {
  readonly table: string | undefined;
  readonly profile: string | undefined;
  readonly option: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(problem: string, context: SinkConfigErrorContext) {
    super('ERR_SINK_CONFIG', formatMessage(problem, context), { cause: context.cause });
    this.table = context.table;
    this.profile = context.profile;
    this.option = context.option;
    this.line = context.position?.line;
    this.column = context.position?.column;
  }
}

function formatMessage(problem: string, c: SinkConfigErrorContext): string {
  const subject =
    c.table !== undefined
      ? `table '${c.table}'`
      : c.profile !== undefined
        ? `connection profile '${c.profile}'`
        : 'unnamed table or profile';
  const option = c.option !== undefined ? `option '${c.option}' ` : '';
  const at = c.position !== undefined ? ` (line ${c.position.line}, column ${c.position.column})` : '';
  return `${subject}: ${option}${problem}${at}`;
}

/** The SQL text is not a well-formed statement. `line`/`column` point at the offending token. */
export class SqlSyntaxError extends LaminarError {
  constructor(
    reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super('ERR_SQL_SYNTAX', `SQL syntax error at line ${line}, column ${column}: ${reason}`);
  }
}

/**
 * A `{{ VAR }}` reference whose variable is not set in the connecting process's environment.
 * Names the variable and the profile, never any value.
 */
export class MissingSecretError extends LaminarError {
  constructor(
    readonly profile: string,
    readonly option: string,
    readonly variable: string,
  ) {
    super(
      'ERR_SECRET_MISSING',
      `connection profile '${profile}': option '${option}' refers to environment variable ${variable}, which is not set`,
    );
  }
}
