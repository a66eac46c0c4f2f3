import type { ReplyError } from './errors.js';

/**
 * A decoded RESP2/RESP3 reply.
 *
 * | RESP type                     | JavaScript                                       |
 * |-------------------------------|--------------------------------------------------|
 * | simple string `+`             | string                                           |
 * | error `-`, blob error `!`     | ReplyError (rejects the command at top level)    |
 * | integer `:`                   | number, or bigint outside ±(2^53-1)              |
 * | bulk string `$`, streamed `$?`| string (UTF-8), or Buffer with `returnBuffers`   |
 * | verbatim string `=`           | string without its `txt:` format prefix          |
 * | null `_`, `$-1`, `*-1`        | null                                             |
 * | double `,`                    | number (incl. Infinity, -Infinity, NaN)          |
 * | boolean `#`                   | boolean                                          |
 * | big number `(`                | bigint                                           |
 * | array `*`, push `>`           | Reply[]                                          |
 * | map `%`                       | Map<Reply, Reply>                                |
 * | set `~`                       | Set<Reply>                                       |
 * | attribute `|`                 | delivered separately, never as a reply           |
 */
export type Reply =
  | string
  | number
  | bigint
  | boolean
  | null
  | Buffer
  | ReplyError
  | Reply[]
  | Map<Reply, Reply>
  | Set<Reply>;

/** One argument of a command. Buffers are sent as they are, strings as UTF-8. */
export type Arg = string | Buffer | number | bigint;

/** A command: its name followed by its arguments, e.g. `['SET', 'k', 'v']`. */
export type Command = readonly Arg[];

/** Receives what the decoder produces, in stream order. The decoder knows nothing else. */
export interface ReplyHandler {
  /** A complete top-level reply (errors arrive here as ReplyError values). */
  onReply(reply: Reply): void;
  /** A RESP3 push frame (`>`), never an answer to a command. */
  onPush(frame: Reply[]): void;
  /** A RESP3 attribute (`|`) that preceded the next reply. */
  onAttribute?(attribute: Map<Reply, Reply>): void;
}
