/**
 * The checkpointed position of one stream channel, kept as a string in checkpoints:
 *
 * ```
 * {"l":"1712-3","r":2,"c":"1650-0"}
 *   l  the last entry this job's consumer read and passed on ('0-0': none yet)
 *   r  the latest claim round (0: none yet); round r claims into consumer `<consumer>~<r>`
 *   c  the cursor of round r while it is being read, null once it was read to its end
 * ```
 *
 * Entries up to `l` (and a closed round's entries) are covered by the checkpoint: they are
 * acknowledged (`XACK`) once it is durable, and replayed from the consumer's pending list if the
 * job stops before that.
 */

import type { SourcePosition } from './source.js';

export interface StreamPosition {
  /** Last own entry passed on. */
  last: string;
  /** Latest claim round. */
  round: number;
  /** Cursor in round `round`; null when the round was read to its end (or there is none). */
  cursor: string | null;
}

/** A channel that has read nothing yet. */
export const START_POSITION: Readonly<StreamPosition> = Object.freeze({
  last: '0-0',
  round: 0,
  cursor: null,
});

export function encodePosition(p: StreamPosition): string {
  return JSON.stringify({ l: p.last, r: p.round, c: p.cursor });
}

/**
 * Decodes a checkpointed position.
 *
 * @throws RangeError when it is not one this source wrote.
 */
export function decodePosition(restored: SourcePosition, channel: string): StreamPosition {
  let v: unknown;
  try {
    v = typeof restored === 'string' ? JSON.parse(restored) : undefined;
  } catch {
    v = undefined;
  }
  const o = v as { l?: unknown; r?: unknown; c?: unknown } | undefined;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.l !== 'string' ||
    !Number.isSafeInteger(o.r) ||
    (o.c !== null && typeof o.c !== 'string')
  ) {
    throw new RangeError(`checkpoint position of ${channel} is not a stream position: ${String(restored)}`);
  }
  return { last: o.l, round: o.r as number, cursor: o.c as string | null };
}
