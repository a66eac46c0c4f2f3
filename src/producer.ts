/**
 * `laminar-redis/producer`: the client library that writes rows to a running coordinator's
 * workers over gRPC, without the coordinator, worker or SQL code.
 *
 * ```ts
 * import { Producer } from 'laminar-redis/producer';
 * ```
 */

export { ERROR_CODES, type ErrorCode, LaminarError } from './errors.js';
export type { LaminarLogger, LogFn } from './log.js';
export { Producer } from './producer/producer.js';
export { ProducerClosedError, ProducerFailedError } from './producer/producer-errors.js';
export type { ProducerOptions } from './producer/producer-options.js';
export type { ProducerStats } from './producer/producer-stats.js';
export { type ProducerWriteOptions, RowKindError } from './producer/row-kinds.js';
export {
  ROW_DELETE,
  ROW_INSERT,
  ROW_UPDATE_AFTER,
  ROW_UPDATE_BEFORE,
  type RowKind,
} from './sink/changelog.js';
export type { Row } from './sink/row-encoder.js';
export { RowEncodingError } from './wire/row-batch-codec.js';
