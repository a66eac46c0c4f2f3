import type { Row } from '../../sink/row-encoder.js';

/**
 * Where a channel resumes: the offset of its next row (generator, JSON lines), or an opaque
 * string for channels whose position has several parts (ingest). Stored as is in checkpoints.
 */
export type SourcePosition = number | string;

/** Rows read from one channel, with the source partition and offset of every row. */
export interface ReadBatch {
  rows: Row[];
  /** One partition for all rows, or one per row (an ingest channel carries several producers). */
  partition: string | string[];
  /** Offsets increase per partition, in read order. */
  offsets: number[];
  /** One kind per row (src/sink/changelog.ts) from a changelog source; undefined: all inserts. */
  kinds?: Uint8Array;
}

/**
 * One input of the data flow: a reader over one source partition (or, for ingest, over the
 * producers of one source), read by one source actor. The channel is also the unit of barrier
 * alignment and of positions in a checkpoint.
 */
export interface SourceReader {
  /** Stable id: the key of this channel's position in checkpoints. */
  readonly channel: string;
  /**
   * Up to `max` rows; `null` once the channel is exhausted (bounded sources). An empty batch means
   * "nothing now": returned when `signal` aborts a wait (a barrier wants in), never otherwise.
   */
  read(max: number, signal: AbortSignal): Promise<ReadBatch | null>;
  /** Where to resume to read exactly the rows not yet returned by `read`. */
  position(): SourcePosition;
  /** Told that a checkpoint covering everything up to `position` is durable. Optional. */
  committed?(position: SourcePosition): void;
  close(): Promise<void>;
}

/** A source: a set of channels that replay from a position. */
export interface Source {
  readonly name: string;
  /** Readers for every channel, each resuming at its restored position (from the start without). */
  open(restored: Readonly<Record<string, SourcePosition>>): Promise<SourceReader[]>;
}

/** An aborted wait returns this. */
export const EMPTY_BATCH: ReadBatch = Object.freeze({ rows: [], partition: '', offsets: [] }) as ReadBatch;

/** A numeric position restored from a checkpoint, validated. */
export function numericPosition(restored: SourcePosition | undefined, channel: string): number {
  if (restored === undefined) return 0;
  if (typeof restored !== 'number' || !Number.isSafeInteger(restored) || restored < 0) {
    throw new RangeError(`checkpoint position of ${channel} must be a non-negative integer, got ${restored}`);
  }
  return restored;
}
