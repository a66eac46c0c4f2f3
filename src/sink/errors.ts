import { LaminarError } from '../errors.js';

/**
 * A row that cannot be written: null/missing/empty key or field column, or a value that cannot be
 * encoded. Carries where it was (index in the write call, or source partition/offset when the
 * runtime knows them), never the row's contents.
 */
export class BadRowError extends LaminarError {
  constructor(
    readonly table: string,
    readonly reason: string,
    readonly position: { index: number; partition?: string; offset?: string | number },
  ) {
    const where =
      position.partition !== undefined
        ? `partition ${position.partition} offset ${position.offset}`
        : `row ${position.index} of the write`;
    super('ERR_BAD_ROW', `table '${table}': bad row at ${where}: ${reason}`);
  }
}

/** Redis refused a write (WRONGTYPE, OOM, NOPERM, READONLY, ...). Names the command and key. */
export class SinkWriteError extends LaminarError {
  constructor(
    readonly table: string,
    readonly command: string,
    readonly key: string,
    /** Server error prefix, e.g. `WRONGTYPE`. */
    readonly prefix: string,
    options: { cause: unknown },
  ) {
    super(
      'ERR_SINK_WRITE',
      `table '${table}': ${command} ${key} failed: ${(options.cause as Error)?.message ?? prefix}`,
      options,
    );
  }
}

/**
 * The fence script refused this writer: a newer generation (a restored or reassigned owner) has
 * written to the slot since. The writer is a zombie and must stop.
 */
export class FencedError extends LaminarError {
  constructor(
    readonly table: string,
    readonly generation: number,
    options: { cause: unknown },
  ) {
    super(
      'ERR_FENCED',
      `table '${table}': writer generation ${generation} was superseded by a newer owner`,
      options,
    );
  }
}

/** The sink can no longer write (connection lost with outcome unknown, or closed). */
export class SinkFailedError extends LaminarError {
  constructor(
    readonly table: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_SINK_FAILED', `table '${table}': ${message}`, options);
  }
}
