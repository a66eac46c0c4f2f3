/** What a generator source is asked to produce (see dataflow/sources/generator.ts). */

import type { GeneratorColumn } from './column-generator.js';

/** What a generator source produces. */
export interface GeneratorOptions {
  name: string;
  /** Number of partitions (channels), each `<name>/<p>`. */
  partitions: number;
  /** Rows per partition; offsets run 0..rowsPerPartition-1. */
  rowsPerPartition: number;
  /** Seed of every value. Default 1. */
  seed?: number;
  /** Distinct `k` keys per partition (string keys, hash fields). Default 1000. */
  keys?: number;
  /** Distinct `g` groups shared by all partitions (list keys, hash keys). Default 16. */
  groups?: number;
  /** Rows per second per partition; unset or 0: as fast as the sink takes them. */
  rate?: number;
  /**
   * Declared columns: rows of these columns (column-generator.ts) instead of the built-in
   * {@link GeneratedRow} (`keys` and `groups` then do not apply).
   */
  columns?: GeneratorColumn[];
}
