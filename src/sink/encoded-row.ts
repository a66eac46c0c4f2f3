/**
 * A row already encoded into what its table's sink writes: the Redis key, the hash field (empty
 * for other targets) and the value. A worker makes these from a producer's `ROW_ENCODING_KEYED`
 * batch, whose producer ran the table's {@link RowEncoder} on the original row; the sink and the
 * slot router then take the parts as they are instead of encoding the row again.
 *
 * Internal: only the worker's batch decoder creates them, for a table whose model the producer
 * encoded with (tables never change after creation).
 */
export class EncodedRow {
  constructor(
    readonly key: string | Buffer,
    readonly field: string | Buffer,
    readonly value: string | Buffer,
  ) {}
}
