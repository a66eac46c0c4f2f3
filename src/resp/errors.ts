/**
 * Typed errors of the RESP layer. Every class carries a stable `.code` (never parse messages) and
 * context fields; wrapped failures keep their `cause`.
 *
 * Messages never contain command arguments: arguments may hold secrets (AUTH, HELLO) or row data.
 */

import { type ErrorCode, LaminarError } from '../errors.js';

export { LaminarError };

/**
 * An error reply from Redis (`-ERR ...`, `-WRONGTYPE ...`, RESP3 blob errors).
 * `prefix` is the first word of the message, as Redis defines it (`ERR`, `WRONGTYPE`, `NOAUTH`, ...).
 */
export class ReplyError extends LaminarError {
  /** First word of the server message: `ERR`, `WRONGTYPE`, `OOM`, `NOAUTH`, `MOVED`, ... */
  readonly prefix: string;
  /** Name of the command that produced it, when known (never its arguments). */
  command?: string;
  constructor(message: string, code: 'ERR_REPLY' | 'ERR_MOVED' | 'ERR_ASK' = 'ERR_REPLY') {
    super(code, message);
    const space = message.indexOf(' ');
    this.prefix = space === -1 ? message : message.slice(0, space);
  }
}

/** `-MOVED slot host:port`: the slot lives on another node for good. */
export class MovedError extends ReplyError {
  constructor(
    message: string,
    readonly slot: number,
    readonly host: string,
    readonly port: number,
  ) {
    super(message, 'ERR_MOVED');
  }
}

/** `-ASK slot host:port`: this one command must be retried on another node after `ASKING`. */
export class AskError extends ReplyError {
  constructor(
    message: string,
    readonly slot: number,
    readonly host: string,
    readonly port: number,
  ) {
    super(message, 'ERR_ASK');
  }
}

/**
 * Builds the right error class for an error reply. `-MOVED`/`-ASK` are recognised here and only
 * here, so no caller ever inspects message prefixes itself.
 */
export function toReplyError(message: string): ReplyError {
  const c = message.charCodeAt(0);
  // 'M'OVED / 'A'SK: check the first byte before any string work; error replies are rare anyway.
  if (c === 77 /* M */ || c === 65 /* A */) {
    const m = /^(MOVED|ASK) (\d+) (\S*):(\d+)$/.exec(message);
    if (m !== null) {
      const host = m[3].startsWith('[') && m[3].endsWith(']') ? m[3].slice(1, -1) : m[3];
      return m[1] === 'MOVED'
        ? new MovedError(message, Number(m[2]), host, Number(m[4]))
        : new AskError(message, Number(m[2]), host, Number(m[4]));
    }
  }
  return new ReplyError(message);
}

/** The byte stream broke the protocol (or a configured bound). The connection is unusable. */
export class ProtocolError extends LaminarError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PROTOCOL', message, options);
  }
}

/**
 * The connection failed or closed. `written` says whether the command had been handed to the
 * socket: when true its outcome is unknown (Redis may or may not have executed it); when false it
 * never left the client and can be retried safely.
 */
export class ConnectionError extends LaminarError {
  /** `code`: a subclass's own, for a failure that says more than its moment (TlsError). */
  constructor(
    message: string,
    readonly written: boolean,
    options?: { cause?: unknown; code?: ErrorCode },
  ) {
    super(
      options?.code ?? (written ? 'ERR_CONNECTION_OUTCOME_UNKNOWN' : 'ERR_CONNECTION_NOT_SENT'),
      message,
      options,
    );
  }
  /** True when the command may have been executed by Redis. */
  get outcomeUnknown(): boolean {
    return this.written;
  }
}

/** The command (or connect) did not complete within its timeout. */
export class TimeoutError extends LaminarError {
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super('ERR_TIMEOUT', message);
  }
}

/** The offline queue (commands waiting for a connection) is full. */
export class OfflineQueueFullError extends LaminarError {
  constructor(readonly limit: number) {
    super('ERR_OFFLINE_QUEUE_FULL', `offline queue is full (${limit} commands waiting for a connection)`);
  }
}

/** Invalid client options or URL. */
export class ConfigError extends LaminarError {
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super('ERR_CONFIG', message);
  }
}

/** The client was closed; no more commands are accepted. */
export class ClientClosedError extends LaminarError {
  constructor() {
    super('ERR_CLIENT_CLOSED', 'client is closed');
  }
}

/** A multi-key command whose keys hash to different slots; refused before sending. */
export class CrossSlotError extends LaminarError {
  constructor(
    readonly command: string,
    readonly slots: readonly number[],
  ) {
    super('ERR_CROSS_SLOT', `${command} has keys in different hash slots (${slots.join(', ')})`);
  }
}

/** The cluster could not route a command: no topology, an uncovered slot, or too many redirections. */
export class ClusterError extends LaminarError {
  constructor(
    code: 'ERR_CLUSTER_TOPOLOGY' | 'ERR_CLUSTER_SLOT_UNSERVED' | 'ERR_CLUSTER_REDIRECTIONS',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
