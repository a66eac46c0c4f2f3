/**
 * Sink configuration: three front doors (JSON REST bodies, SQL DDL, TypeScript objects), one
 * validated model (`../model.ts`), one set of rules (`validate.ts`).
 */

export { lookupType, SQL_TYPES, TYPE_ALIASES } from '../../schema/column-types.js';
export { didYouMean } from '../../schema/did-you-mean.js';
export {
  MissingSecretError,
  SinkConfigError,
  type SqlPosition,
  SqlSyntaxError,
} from '../../schema/errors.js';
export {
  hasSecretReference,
  REDACTED,
  type ResolvedProfile,
  redactAddress,
  redactProfile,
  redactSecret,
  resolveSecrets,
  secretReferences,
} from '../../schema/secrets.js';
export { type ProfileBody, parseProfile, parseTable, type TableBody } from './json.js';
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
