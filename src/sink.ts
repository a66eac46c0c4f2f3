/**
 * `laminar-redis/sink`: the Redis sink of the Laminar Redis connector alone — `createSink()`, its
 * three configuration front doors (JSON bodies, SQL DDL, TypeScript) and its errors, plus the
 * client. Importing it loads no gRPC and no runtime; the SQL parser is loaded only when a table
 * is given as SQL.
 *
 * ```ts
 * import { createSink } from 'laminar-redis/sink';
 * ```
 */

export * from './client.js';
export type { LaminarLogger, LogFn } from './log.js';
export { MissingSecretError, SinkConfigError, SqlSyntaxError } from './schema/errors.js';
export { redactProfile, resolveSecrets } from './schema/secrets.js';
export {
  DELETE_EVENT_FIELD,
  ROW_DELETE,
  ROW_INSERT,
  ROW_KIND_NAMES,
  ROW_UPDATE_AFTER,
  ROW_UPDATE_BEFORE,
  type RowKind,
  type RowKindName,
  rowKindOf,
  type WriteOptions,
} from './sink/changelog.js';
export { refusesRetractions } from './sink/changelog-rows.js';
export { type ProfileBody, parseProfile, parseTable, type TableBody } from './sink/config/json.js';
export { parseCreateTable } from './sink/config/sql-ddl.js';
export { defineProfile, defineTable, validateTable } from './sink/config/validate-model.js';
export { type CreateSinkOptions, createSink, type SinkInput, tableOf } from './sink/create-sink.js';
export { BadRowError, FencedError, SinkFailedError, SinkWriteError } from './sink/errors.js';
export type * from './sink/model.js';
export type { Row } from './sink/row-encoder.js';
export {
  RedisSink,
  type RedisSinkEvents,
  type RowPositions,
  type SinkLimits,
  type SinkStats,
} from './sink/sink.js';
