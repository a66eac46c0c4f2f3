import type { CommandEncoder } from '../resp/encoder.js';
import { PerRowPipeline } from './per-row-pipeline.js';

/**
 * A string table's `SET key value [EX ttl]` commands, encoded as rows arrive into the sink's own
 * arena instead of kept as command arrays: the rows of an at-least-once string table on
 * standalone Redis (see {@link PerRowPipeline}). A removal (an `upsert` table's delete) is
 * `DEL key`, in its place among the rows.
 */
export class SetPipeline extends PerRowPipeline {
  constructor(encoder: CommandEncoder, ttlSecs: number | undefined) {
    super(encoder, {
      verb: 'SET',
      tail: ttlSecs === undefined ? [] : ['EX', String(ttlSecs)],
      remove: 'DEL',
    });
  }
}
