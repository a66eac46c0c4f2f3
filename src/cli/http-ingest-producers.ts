/**
 * The rows of the HTTP ingest routes (coordinator/http-ingest.ts) sent through Producers: one per
 * target (a connection table, or a pipeline's ingest source as `<pipeline>/<source>`), made at
 * its first request and kept, so every request to a target shares one producer id, its sequence
 * numbers and its window. Requests to one target are written one after the other, in the order
 * they arrived.
 */
import type {
  HttpIngest,
  IngestChangelog,
  IngestTarget,
  IngestWait,
  IngestWriter,
} from '../coordinator/http-ingest.js';
import { httpIngest, IngestBodyError } from '../coordinator/http-ingest.js';
import type { LaminarLogger } from '../log.js';
import { Producer } from '../producer/producer.js';
import { ProducerFailedError } from '../producer/producer-errors.js';
import { RowKindError } from '../producer/row-kinds.js';
import type { Row } from '../sink/row-encoder.js';
import { ControlError } from '../wire/control-errors.js';

/** gRPC status codes a refused routing call answers with, as control errors. */
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

interface Entry {
  producer: Producer;
  /** The last write of this target: the next one waits for it (request order). */
  tail: Promise<unknown>;
}

/** Options of {@link producerIngest}. */
export interface ProducerIngestOptions {
  /** Largest request body, bytes. Default: the HTTP ingest's. */
  maxBodyBytes?: number;
  logger?: LaminarLogger;
}

/** The `httpIngest` option of `startCoordinator` that sends through Producers. */
export function producerIngest(
  options: ProducerIngestOptions = {},
): (grpc: { address: string; token: string | undefined }) => HttpIngest {
  return (grpc) =>
    httpIngest(new ProducerWriter(grpc.address, grpc.token, options.logger), options.maxBodyBytes);
}

class ProducerWriter implements IngestWriter {
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(
    private readonly coordinator: string,
    private readonly token: string | undefined,
    private readonly logger: LaminarLogger | undefined,
  ) {}

  async write(
    target: IngestTarget,
    rows: Row[],
    wait: IngestWait,
    changelog?: IngestChangelog,
  ): Promise<void> {
    if (this.#closed) throw new ControlError('ERR_FAILED_PRECONDITION', 'the coordinator is stopping');
    const ref = target.kind === 'table' ? target.table : `${target.pipeline}/${target.source}`;
    let entry = this.#entries.get(ref);
    if (entry === undefined) {
      entry = {
        producer: new Producer({
          coordinator: this.coordinator,
          table: ref,
          token: this.token,
          logger: this.logger,
        }),
        tail: Promise.resolve(),
      };
      this.#entries.set(ref, entry);
    }
    const e = entry;
    const options = changelog === undefined ? undefined : { kinds: changelog.kinds };
    const written = e.tail.then(() => e.producer.write(rows, options));
    e.tail = written.catch(() => {});
    try {
      await written;
      if (wait !== 'none') await e.producer.flush();
    } catch (err) {
      if (err instanceof RowKindError && changelog !== undefined) {
        // The producer refused the whole call: name the request's line, as for a malformed one.
        const line = changelog.lines[err.index];
        throw new IngestBodyError(line, `line ${line}: ${err.reason}`);
      }
      if (err instanceof ProducerFailedError) {
        // A failed producer stays failed: the next request starts a fresh one.
        if (this.#entries.get(ref) === e) this.#entries.delete(ref);
        e.producer.close().catch(() => {});
        throw asControlError(err, target);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.producer.close().catch(() => {})));
  }
}

/** A refused routing (no such table or source, a pipeline not running) as the control API says it. */
function asControlError(err: ProducerFailedError, target: IngestTarget): Error {
  const what =
    target.kind === 'table'
      ? `connection table '${target.table}'`
      : `ingest source '${target.source}' of pipeline '${target.pipeline}'`;
  if (err.reason === 'REJECTED' && err.grpcStatus === NOT_FOUND) {
    return new ControlError('ERR_NOT_FOUND', `${what} not found`);
  }
  if (err.reason === 'REJECTED' && err.grpcStatus === FAILED_PRECONDITION) {
    return new ControlError('ERR_FAILED_PRECONDITION', `${what} is not accepting rows (${err.message})`);
  }
  return err;
}
