/**
 * Sink configuration: three front doors (JSON REST bodies, SQL DDL, TypeScript objects), one
 * validated model (`../model.ts`), one set of rules (`validate.ts`).
 */

export { lookupType, SQL_TYPES, TYPE_ALIASES } from './column-types.js';
export { didYouMean } from './did-you-mean.js';
export { MissingSecretError, SinkConfigError, type SqlPosition, SqlSyntaxError } from './errors.js';
export { type ProfileBody, parseProfile, parseTable, type TableBody } from './json.js';
export {
  hasSecretReference,
  REDACTED,
  type ResolvedProfile,
  redactAddress,
  redactProfile,
  redactSecret,
  resolveSecrets,
  secretReferences,
} from './secrets.js';
export {
  loadSqlParser,
  type ParseCreateTableOptions,
  parseCreateTable,
  parseCreateTableSync,
  SQL_OPTIONS,
} from './sql-ddl.js';
export { DEFAULT_DEAD_LETTER_SUFFIX, DEFAULT_RAW_VALUE_COLUMN } from './validate.js';
export {
  defineProfile,
  defineTable,
  type ProfileDefinition,
  type TableDefinition,
  validateTable,
} from './validate-model.js';
