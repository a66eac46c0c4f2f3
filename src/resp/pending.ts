import type { Reply } from './reply.js';

/**
 * One outstanding request on a connection: a single command, or a whole pipeline answered under
 * one promise. Resolve/reject live on the entry, so the hot path allocates no closure per reply.
 */
export class Pending {
  /** Replies still expected. */
  remaining: number;
  /** Collected replies of a pipeline; null for a single command. */
  readonly results: Reply[] | null;
  resolve!: (value: never) => void;
  reject!: (error: Error) => void;
  /** Position in the connection's write order; entries with seq <= writtenSeq reached the socket. */
  seq = 0;
  /** Timeout of this request, ms; 0 for none (the handshake's are bounded by connectTimeout). */
  timeout = 0;
  /** Absolute deadline (ms, Date.now clock) when a timeout is set; 0 otherwise. */
  deadline = 0;
  /** Settled early (timeout): later replies are read and dropped. */
  settled = false;
  constructor(
    count: number,
    batch: boolean,
    /** Bulk strings as Buffers for this request. */
    readonly returnBuffers: boolean,
    /** Command name for error context (first command of a pipeline). */
    readonly name: string,
  ) {
    this.remaining = count;
    this.results = batch ? new Array<Reply>(0) : null;
  }

  /** A promise bound to this entry. */
  promise<T>(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.resolve = resolve as (value: never) => void;
      this.reject = reject;
    });
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/** Name of a command for error messages: its first argument, never the others. */
export function commandName(first: unknown): string {
  if (typeof first === 'string') return first.length <= 64 ? first.toUpperCase() : 'command';
  if (Buffer.isBuffer(first) && first.length <= 64) return first.toString('latin1').toUpperCase();
  return 'command';
}
