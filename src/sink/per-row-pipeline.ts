import type { RowPipeline } from './grouped-pipeline.js';
import type { Target } from './writers/index.js';

/**
 * The pipeline of a table whose rows are one command each (Stream, Pub/Sub), where it has one.
 * Null: rows are kept until the flush.
 */
export function perRowPipeline(_t: Target): RowPipeline | null {
  return null;
}
