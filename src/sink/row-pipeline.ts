import { CommandEncoder } from '../resp/encoder.js';
import { GroupedPipeline, type RowPipeline } from './grouped-pipeline.js';
import { perRowPipeline } from './per-row-pipeline.js';
import { ScorePipeline } from './score-pipeline.js';
import { sumPipeline } from './sum-pipeline.js';
import { afterKeyCommands, type Target, writerOf } from './writers/index.js';

/**
 * The pipeline a table's at-least-once rows are encoded into as they come, where the writer has
 * one: one command per row (strings, streams, pub/sub), one summed increment per key (integer
 * counters), one variadic command per key (lists, hashes, sets, sorted sets), or for sorted sets
 * whose members come from a column one element per member, each key's trim and TTL after its
 * rows. Null: rows are kept until the flush.
 */
export function rowPipeline(t: Target): RowPipeline | null {
  const writer = writerOf(t);
  const other = perRowPipeline(t) ?? sumPipeline(t);
  if (other !== null) return other;
  const grouped = writer.grouped?.(t);
  const shape = writer.shape(t);
  // Rows with a TTL of their own or a field per column carry more than one command's arguments.
  if (grouped === undefined || shape.ttl !== undefined || shape.columns !== undefined) return null;
  const after = (key: string | Buffer, wrote: boolean) => afterKeyCommands(t, key, undefined, false, wrote);
  const keep = writer.memberScores?.(t);
  if (keep !== undefined) return new ScorePipeline(new CommandEncoder(), grouped.flags, keep, after);
  const retraction = writer.retraction(t);
  return new GroupedPipeline(
    new CommandEncoder(),
    grouped.verb,
    grouped.flags,
    shape.field !== undefined,
    after,
    retraction.kind === 'delete' && retraction.arg !== 'none'
      ? { verb: retraction.verb, arg: retraction.arg }
      : undefined,
  );
}
