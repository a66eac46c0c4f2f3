/**
 * The base of every error laminar-redis raises. Each subclass carries a stable `.code` (match on
 * it, never on messages), context fields, and the `cause` it wraps; docs/errors.md lists every
 * code with what it means and what to do.
 */

/**
 * Every code laminar-redis raises, grouped as docs/errors.md groups them. A new code goes here
 * (and into docs/errors.md, which test/errors.test.ts checks); {@link ErrorCode} follows.
 */
export const ERROR_CODES = [
  // ── client (RESP) ──
  /** Redis answered a command with an error reply; `prefix` holds the server's word (`WRONGTYPE`, ...). */
  'ERR_REPLY',
  /** The byte stream broke RESP or a configured bound; the connection is dropped. */
  'ERR_PROTOCOL',
  /** The connection failed before the command was handed to the socket: safe to retry. */
  'ERR_CONNECTION_NOT_SENT',
  /** The connection failed after the command was sent: Redis may or may not have executed it. */
  'ERR_CONNECTION_OUTCOME_UNKNOWN',
  /** A connect, handshake or command did not complete within its timeout. */
  'ERR_TIMEOUT',
  /** Too many commands are waiting for a connection. */
  'ERR_OFFLINE_QUEUE_FULL',
  /** A command was sent after the client was closed. */
  'ERR_CLIENT_CLOSED',
  /** The server refused authentication or the handshake (`WRONGPASS`, `NOAUTH`, `NOPERM`, ...). */
  'ERR_AUTH',
  /** A command argument that cannot be encoded; in the control API, a request that fails validation. */
  'ERR_INVALID_ARGUMENT',
  /** A command argument longer than the server accepts (`maxArgumentLength`); refused before sending. */
  'ERR_ARGUMENT_TOO_LARGE',
  /** The server's certificate is not signed by a CA trusted here (`tls.ca`). */
  'ERR_TLS_UNKNOWN_CA',
  /** The server's certificate is not for the name connected to (`tls.serverName`). */
  'ERR_TLS_NAME_MISMATCH',
  /** The server's certificate has expired (or is not valid yet). */
  'ERR_TLS_CERT_EXPIRED',
  /** The server refused the client certificate, or asked for one and got none (`tls.cert`). */
  'ERR_TLS_CLIENT_CERT_REFUSED',
  /** A CA, certificate or key file that cannot be read, or material Node cannot use. */
  'ERR_TLS_FILE',
  // ── cluster ──
  /** `-MOVED`: the key's slot is served by another node for good. */
  'ERR_MOVED',
  /** `-ASK`: the slot is migrating; this one command must be retried on the other node. */
  'ERR_ASK',
  /** The keys of one command hash to different slots; refused before sending. */
  'ERR_CROSS_SLOT',
  /** No cluster node answered a topology query, or its answer was unusable. */
  'ERR_CLUSTER_TOPOLOGY',
  /** No node served the command's slot within the failover timeout. */
  'ERR_CLUSTER_SLOT_UNSERVED',
  /** A command was redirected more times than `maxRedirections` allows. */
  'ERR_CLUSTER_REDIRECTIONS',
  // ── sentinel ──
  /** No Sentinel of the list answered. */
  'ERR_SENTINEL_UNREACHABLE',
  /** The Sentinels answered, but none monitors a master of that name. */
  'ERR_SENTINEL_UNKNOWN_MASTER',
  /** No address the Sentinels gave reported `role:master` within the failover timeout. */
  'ERR_SENTINEL_NO_PRIMARY',
  // ── pub/sub ──
  /** A subscriber's connection was lost (Redis drops one that falls behind); it resubscribes. */
  'ERR_PUBSUB_DISCONNECTED',
  /** A subscription was asked of a closed subscriber. */
  'ERR_PUBSUB_CLOSED',
  // ── configuration and start-up ──
  /** Invalid client options or Redis URL; `option` names the option. */
  'ERR_CONFIG',
  /** A sink table or connection profile that cannot be used; names the table (or profile) and option. */
  'ERR_SINK_CONFIG',
  /** SQL text that is not a well-formed statement; gives the line and column. */
  'ERR_SQL_SYNTAX',
  /** A `{{ VAR }}` reference to an environment variable that is not set. */
  'ERR_SECRET_MISSING',
  /** A job spec that is not valid; names the field. */
  'ERR_JOB_SPEC',
  /** A server asked to listen beyond loopback without a token. */
  'ERR_INSECURE_BIND',
  /** A server could not listen on its address (in use, not permitted, not local); names both. */
  'ERR_LISTEN',
  /** A command line the CLI does not accept (unknown command or option, a bad or missing value). */
  'ERR_USAGE',
  /** The CLI could not read a pipeline script file. */
  'ERR_SCRIPT_FILE',
  /** The CLI's `--token-file` cannot be read or holds no token (or came with `--token`). */
  'ERR_TOKEN_FILE',
  /** A local redis-server (examples, tests, benchmarks) failed to start or restart. */
  'ERR_REDIS_SERVER',
  /** A tool around the local Redis servers (redis-cli, openssl, cluster creation) failed. */
  'ERR_REDIS_HARNESS',
  // ── sink rows ──
  /** A row that cannot be written (null or empty key, a value that cannot be encoded). */
  'ERR_BAD_ROW',
  /** Redis refused a write (`WRONGTYPE`, `OOM`, `NOPERM`, `READONLY`, ...); the sink has failed. */
  'ERR_SINK_WRITE',
  /** The sink can no longer write: its connection was lost, or it was closed. */
  'ERR_SINK_FAILED',
  // ── fences (exactly-once) ──
  /** A newer owner (generation) has taken over a slot or a checkpoint directory: this one must stop. */
  'ERR_FENCED',
  // ── lookup tables ──
  /** A lookup table declaration that cannot be used; names the table and option. */
  'ERR_LOOKUP_CONFIG',
  /** Redis did not answer a lookup (connection, timeout, an error reply retrying cannot fix). */
  'ERR_LOOKUP',
  /** A stored lookup value does not fit the table's columns. */
  'ERR_LOOKUP_VALUE',
  // ── SQL pipelines ──
  /** A pipeline script's table or statement that is valid SQL but not a valid pipeline. */
  'ERR_PIPELINE_SQL',
  /** An `INSERT INTO ... SELECT` that does not compile. */
  'ERR_SQL_QUERY',
  /** A compiled query could not compute a value for a row (division by zero, a failed CAST). */
  'ERR_SQL_EVAL',
  /** A checkpoint's aggregate state was written by another query: the script changed. */
  'ERR_SQL_STATE',
  // ── jobs and checkpoints ──
  /** The job (or job attempt) stopped before the operation could complete. */
  'ERR_JOB_STOPPED',
  /** A supervised child failed too often within its window; the supervisor gave up. */
  'ERR_RESTART_LIMIT',
  /** A checkpoint (or generation file) that is malformed or cannot be serialised. */
  'ERR_CHECKPOINT_INVALID',
  /** A checkpoint id not greater than every id already in the directory. */
  'ERR_CHECKPOINT_ID_NOT_INCREASING',
  /** The file system failed while reading or writing checkpoints. */
  'ERR_CHECKPOINT_IO',
  /** A checkpoint barrier arrived out of order (an internal invariant broke). */
  'ERR_BARRIER_ORDER',
  /** A message was offered to, or awaited from, an actor mailbox that is closed. */
  'ERR_MAILBOX_CLOSED',
  /** A line of a JSON-lines source file is not a JSON object. */
  'ERR_SOURCE_FORMAT',
  /** An ingest source is not accepting rows (no job attempt runs, or it restarted). */
  'ERR_INGEST_CLOSED',
  /** Rows reached a worker that does not host their shard. */
  'ERR_MISROUTED',
  /** A Redis stream source's consumer group (or the stream) is gone: `NOGROUP`. */
  'ERR_STREAM_NOGROUP',
  /** Stream entries the group had not read yet were deleted (trimmed, or `XDEL`). */
  'ERR_STREAM_TRIMMED',
  /** A stream entry still pending for the job was deleted before it was processed. */
  'ERR_STREAM_ENTRY_GONE',
  /** A stream entry is not a row in the source's format. */
  'ERR_STREAM_ENTRY_FORMAT',
  /** A stream entry ID is outside what exactly-once offsets represent. */
  'ERR_STREAM_ID_RANGE',
  /** A stream source's pattern matched no stream when the job attempt started. */
  'ERR_STREAM_NONE',
  // ── control API (coordinator) ──
  /** No profile, table, pipeline or endpoint has that id, name or path. */
  'ERR_NOT_FOUND',
  /** A resource of that kind already has that name (or id). */
  'ERR_ALREADY_EXISTS',
  /** The request is valid but the system is not in a state to do it. */
  'ERR_FAILED_PRECONDITION',
  /** No bearer token, or the wrong one. */
  'ERR_UNAUTHENTICATED',
  /** Anything unexpected; the message says no more than that (it is logged on the server). */
  'ERR_INTERNAL',
  /** The worker running a pipeline was lost while a checkpoint was requested. */
  'ERR_UNAVAILABLE',
  /** An HTTP request body larger than the API accepts. */
  'ERR_PAYLOAD_TOO_LARGE',
  /** An HTTP ingest body that is not NDJSON or a JSON array of row objects; `line` locates it. */
  'ERR_INGEST_BODY',
  /** An HTTP method the path does not support. */
  'ERR_METHOD_NOT_ALLOWED',
  /** The coordinator's metadata file is damaged or of an unknown format; it is left untouched. */
  'ERR_METADATA_CORRUPT',
  /** The file system failed while reading or writing the coordinator's metadata. */
  'ERR_METADATA_IO',
  /** Another live process (a second coordinator) holds the data directory. */
  'ERR_DATA_DIR_LOCKED',
  /** A control call reached a coordinator that does not lead (a standby, or one that stepped down). */
  'ERR_NOT_LEADER',
  // ── state store ──
  /** A state-store write was refused: the writer's epoch (or generation) is no longer current. */
  'ERR_STATE_FENCED',
  /** The state store was written by a newer format version than this build reads. */
  'ERR_STATE_VERSION',
  /** A worker registered with one state store was offered a coordinator of another. */
  'ERR_STATE_MISMATCH',
  /** Another live coordinator holds the state store's lease. */
  'ERR_STATE_LEASE_HELD',
  /** The state store failed a read or a write (Redis unreachable, an error reply). */
  'ERR_STATE_IO',
  /** A `--state` location that is not a directory or a Redis URL this build reads. */
  'ERR_STATE_URL',
  // ── producer ──
  /** The producer cannot go on; `reason` says why and every pending and later call rejects. */
  'ERR_PRODUCER_FAILED',
  /** `write()`/`flush()` after `close()`, or a `close()` aborted with rows unacknowledged. */
  'ERR_PRODUCER_CLOSED',
  /** A producer option is missing or invalid. */
  'ERR_PRODUCER_OPTIONS',
  /** The coordinator's routing of a table cannot be used (no model, shard count changed). */
  'ERR_ROUTING',
  /** A row cannot be encoded with the producer's encoding. */
  'ERR_ROW_ENCODING',
  /** A row's kind cannot go to the producer's destination (a delete into an `append` table). */
  'ERR_ROW_KIND',
  /** A row batch payload that does not decode to what the batch declares. */
  'ERR_BAD_BATCH',
  // ── bench harness ──
  /** A benchmark option that is missing, out of range or does not fit the others. */
  'ERR_BENCH_OPTIONS',
  /** The benchmark's key prefix already holds keys; the run writes nothing. */
  'ERR_BENCH_PREFIX_IN_USE',
  /** The coordinator refused or failed a call the benchmark needs (its table). */
  'ERR_BENCH_COORDINATOR',
  /** Verify mode found that what landed differs from what was written. */
  'ERR_BENCH_VERIFY',
] as const;

/** A stable error code: one of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base class of every error raised by laminar-redis. */
export class LaminarError extends Error {
  /** Stable machine-readable code, e.g. `ERR_REPLY`. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
