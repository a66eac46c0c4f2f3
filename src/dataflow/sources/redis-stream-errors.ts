/** Errors of the Redis stream source; docs/sources.md says how to recover from each. */

import { LaminarError } from '../../errors.js';

/**
 * The stream or its consumer group is gone (`NOGROUP`): the stream was deleted, or the group
 * destroyed, under the job — or, when resuming, the group a checkpoint refers to does not exist.
 * The job stops rather than recreate the group: a new group would read from a start the user did
 * not choose, skipping or repeating entries without a word.
 */
export class StreamGroupMissingError extends LaminarError {
  constructor(
    readonly stream: string,
    readonly group: string,
    readonly resumeFrom: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      'ERR_STREAM_NOGROUP',
      `stream ${stream}: consumer group ${group} does not exist (the stream was deleted or the group destroyed)` +
        (resumeFrom === undefined
          ? ''
          : `; to resume where the checkpoint stands, recreate it: XGROUP CREATE ${stream} ${group} ${resumeFrom} MKSTREAM`),
      options,
    );
  }
}

/**
 * Entries the group had not read yet were trimmed away (`MAXLEN`/`MINID`): the stream now starts
 * at `firstId`, past what the group was going to read next.
 */
export class StreamTrimmedError extends LaminarError {
  constructor(
    readonly stream: string,
    readonly group: string,
    readonly readFrom: string,
    readonly firstId: string,
  ) {
    super(
      'ERR_STREAM_TRIMMED',
      `stream ${stream}: entries after ${readFrom} that group ${group} had not read were trimmed away (the stream now starts at ${firstId}); to go on without them: XGROUP SETID ${stream} ${group} ${firstId}`,
    );
  }
}

/** An entry still pending for this job was deleted from the stream before it was processed. */
export class StreamEntryGoneError extends LaminarError {
  constructor(
    readonly stream: string,
    readonly group: string,
    readonly id: string,
  ) {
    super(
      'ERR_STREAM_ENTRY_GONE',
      `stream ${stream}: pending entry ${id} of group ${group} was deleted before it was processed; acknowledge it to go on: XACK ${stream} ${group} ${id}`,
    );
  }
}

/**
 * A source with only a pattern found no stream when the attempt started: it would have no channel,
 * and a job whose channels are all done ends.
 */
export class NoStreamsError extends LaminarError {
  constructor(
    readonly source: string,
    readonly pattern: string,
  ) {
    super('ERR_STREAM_NONE', `stream source ${source}: no stream matches '${pattern}'`);
  }
}

/** An entry is not a row in the source's format. Names the stream and the entry ID. */
export class StreamEntryFormatError extends LaminarError {
  constructor(
    readonly stream: string,
    readonly id: string,
    reason: string,
  ) {
    super('ERR_STREAM_ENTRY_FORMAT', `stream ${stream}: entry ${id}: ${reason}`);
  }
}
