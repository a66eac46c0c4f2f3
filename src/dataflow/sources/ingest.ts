import Denque from 'denque';
import { LaminarError } from '../../errors.js';
import { ROW_DELETE } from '../../sink/changelog.js';
import type { Row } from '../../sink/row-encoder.js';
import {
  EMPTY_BATCH,
  type ReadBatch,
  type Source,
  type SourcePosition,
  type SourceReader,
} from './source.js';

/** Rows a channel holds between `push` and the job before `push` waits. */
export const DEFAULT_INGEST_BUFFER_ROWS = 10_000;

/** What became of a push. */
export interface PushResult {
  /** False for a resend of a sequence number already accepted (nothing was queued). */
  accepted: boolean;
  /** Offset of the push's first row within its producer's partition (accepted pushes). */
  firstOffset?: number;
}

/** The ingest channel is not open (no job attempt runs), or was replaced by a restart. */
export class IngestClosedError extends LaminarError {
  constructor(source: string) {
    super(
      'ERR_INGEST_CLOSED',
      `ingest source ${source} is not accepting rows; resend after its last acknowledged sequence`,
    );
  }
}

interface ProducerState {
  /** Highest sequence number taken in. */
  seq: number;
  /** Offset the producer's next row gets. */
  next: number;
}

interface Queued {
  producer: string;
  seq: number;
  rows: readonly Row[];
  /** The rows' kinds; undefined: all inserts. */
  kinds: Uint8Array | undefined;
  first: number;
}

/**
 * An in-process source fed by producers: `push(producerId, seq, rows)`. Each producer is its own
 * partition (`<source>/<producerId>`), its rows numbered by a counter that only its own pushes
 * advance — so a producer that resends the same pushes after a failure gets the same offsets,
 * whatever other producers did meanwhile, and exactly-once fences recognise the replay. A push
 * whose sequence number is not above the producer's last accepted one is a resend: it is
 * dropped and reported as not accepted.
 *
 * All producers share one channel (one input of the data flow). Its checkpoint position is, per
 * producer, the last sequence number and next offset emitted into the flow; after a restore the
 * producers resend what came after {@link acknowledged}. Over the network, a worker's Ingest
 * service pushes each producer's batches here.
 */
export class IngestSource implements Source {
  readonly name: string;
  readonly #bufferRows: number;
  #reader: IngestReader | undefined;
  /** Per producer: last sequence number covered by a durable checkpoint. */
  readonly #acked = new Map<string, number>();

  constructor(name: string, options: { bufferRows?: number } = {}) {
    this.name = name;
    this.#bufferRows = options.bufferRows ?? DEFAULT_INGEST_BUFFER_ROWS;
  }

  /** Partition id of a producer. */
  partitionOf(producerId: string): string {
    return `${this.name}/${producerId}`;
  }

  async open(restored: Readonly<Record<string, SourcePosition>>): Promise<SourceReader[]> {
    const state = decodeIngestPosition(restored[this.name], this.name);
    for (const [producer, s] of state) this.#acked.set(producer, s.seq);
    this.#reader?.abandon(new IngestClosedError(this.name));
    this.#reader = new IngestReader(this, state, this.#bufferRows, (pos) => this.#commit(pos));
    return [this.#reader];
  }

  /**
   * Accepts a producer's rows: resolves once they are queued for the job (waiting while the
   * buffer is full), not when they are durable — see {@link acknowledged}. `kinds`: one row kind
   * per row (`ROW_INSERT` ... `ROW_DELETE` of src/sink/changelog.ts), for rows that update or
   * delete; without it every row is an insert.
   */
  push(producerId: string, seq: number, rows: readonly Row[], kinds?: Uint8Array): Promise<PushResult> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(new RangeError(`sequence number must be a non-negative integer, got ${seq}`));
    }
    if (kinds !== undefined) {
      const bad = kindsProblem(kinds, rows.length);
      if (bad !== undefined) return Promise.reject(new RangeError(bad));
    }
    if (this.#reader === undefined) return Promise.reject(new IngestClosedError(this.name));
    return this.#reader.push(producerId, seq, rows, kinds);
  }

  /** Highest sequence number of a producer covered by a completed checkpoint (-1: none). */
  acknowledged(producerId: string): number {
    return this.#acked.get(producerId) ?? -1;
  }

  /** No more pushes: the channel ends once its queue is drained (the job can finish). */
  end(): void {
    this.#reader?.end();
  }

  #commit(position: SourcePosition): void {
    for (const [producer, s] of decodeIngestPosition(position, this.name)) this.#acked.set(producer, s.seq);
  }
}

class IngestReader implements SourceReader {
  readonly channel: string;
  /** Dedup state of what was taken in (queued or emitted). */
  readonly #accepted: Map<string, ProducerState>;
  /** State of what was emitted into the flow: the checkpoint position. */
  readonly #emitted: Map<string, ProducerState>;
  readonly #queue = new Denque<Queued>();
  #queuedRows = 0;
  #ended = false;
  #closed: Error | null = null;
  #wakeReader: (() => void) | null = null;
  #wakeWriters: Array<() => void> = [];

  constructor(
    private readonly source: IngestSource,
    restored: Map<string, ProducerState>,
    private readonly bufferRows: number,
    readonly committed: (position: SourcePosition) => void,
  ) {
    this.channel = source.name;
    this.#accepted = new Map([...restored].map(([k, v]) => [k, { ...v }]));
    this.#emitted = new Map([...restored].map(([k, v]) => [k, { ...v }]));
  }

  async push(
    producer: string,
    seq: number,
    rows: readonly Row[],
    kinds: Uint8Array | undefined,
  ): Promise<PushResult> {
    while (
      this.#closed === null &&
      !this.#ended &&
      this.#queuedRows > 0 &&
      this.#queuedRows + rows.length > this.bufferRows
    ) {
      await new Promise<void>((resolve) => this.#wakeWriters.push(resolve));
    }
    if (this.#closed !== null) throw this.#closed;
    if (this.#ended) throw new IngestClosedError(this.source.name);
    const st = this.#accepted.get(producer) ?? { seq: -1, next: 0 };
    if (seq <= st.seq) return { accepted: false };
    const first = st.next;
    this.#accepted.set(producer, { seq, next: first + rows.length });
    this.#queue.push({ producer, seq, rows, kinds, first });
    this.#queuedRows += rows.length;
    this.#wakeReader?.();
    return { accepted: true, firstOffset: first };
  }

  async read(max: number, signal: AbortSignal): Promise<ReadBatch | null> {
    while (this.#queue.length === 0) {
      if (this.#ended || this.#closed !== null) return null;
      if (signal.aborted) return EMPTY_BATCH;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          this.#wakeReader = null;
          resolve();
        };
        this.#wakeReader = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    const rows: Row[] = [];
    const partition: string[] = [];
    const offsets: number[] = [];
    let kinds: Uint8Array | undefined;
    // Whole pushes only, so the emitted state always falls on a sequence boundary.
    while (
      this.#queue.length > 0 &&
      (rows.length === 0 || rows.length + this.#queue.peekFront()!.rows.length <= max)
    ) {
      const q = this.#queue.shift()!;
      const part = this.source.partitionOf(q.producer);
      if (q.kinds !== undefined) {
        // Pushes without kinds in the same batch are inserts: zeros.
        if (kinds === undefined || kinds.length < rows.length + q.rows.length) {
          const grown = new Uint8Array(Math.max(max, rows.length + q.rows.length));
          if (kinds !== undefined) grown.set(kinds);
          kinds = grown;
        }
        kinds.set(q.kinds, rows.length);
      }
      for (let j = 0; j < q.rows.length; j++) {
        rows.push(q.rows[j]);
        partition.push(part);
        offsets.push(q.first + j);
      }
      this.#emitted.set(q.producer, { seq: q.seq, next: q.first + q.rows.length });
      this.#queuedRows -= q.rows.length;
    }
    const writers = this.#wakeWriters;
    this.#wakeWriters = [];
    for (const w of writers) w();
    return kinds === undefined
      ? { rows, partition, offsets }
      : { rows, partition, offsets, kinds: kinds.subarray(0, rows.length) };
  }

  position(): string {
    const producers: Record<string, [number, number]> = {};
    for (const [k, v] of [...this.#emitted].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      producers[k] = [v.seq, v.next];
    return JSON.stringify({ producers });
  }

  end(): void {
    this.#ended = true;
    this.#wakeReader?.();
    for (const w of this.#wakeWriters.splice(0)) w();
  }

  abandon(err: Error): void {
    this.#closed = err;
    this.#queue.clear();
    this.#wakeReader?.();
    for (const w of this.#wakeWriters.splice(0)) w();
  }

  async close(): Promise<void> {
    this.abandon(new IngestClosedError(this.source.name));
  }
}

/** Producer states of an ingest position (empty without one). */
function decodeIngestPosition(pos: SourcePosition | undefined, source: string): Map<string, ProducerState> {
  const out = new Map<string, ProducerState>();
  if (pos === undefined) return out;
  let parsed: unknown;
  try {
    parsed = typeof pos === 'string' ? JSON.parse(pos) : undefined;
  } catch {
    parsed = undefined;
  }
  const producers = (parsed as { producers?: unknown } | undefined)?.producers;
  if (typeof producers !== 'object' || producers === null) {
    throw new RangeError(`checkpoint position of ingest source ${source} is not an ingest position`);
  }
  for (const [k, v] of Object.entries(producers)) {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isSafeInteger(x))) {
      throw new RangeError(`checkpoint position of ingest source ${source}: bad state for producer ${k}`);
    }
    out.set(k, { seq: v[0], next: v[1] });
  }
  return out;
}

/** Why `kinds` cannot go with `n` rows, or undefined. */
function kindsProblem(kinds: Uint8Array, n: number): string | undefined {
  if (kinds.length !== n) return `kinds must have one entry per row: ${kinds.length} kinds for ${n} rows`;
  for (let i = 0; i < n; i++) {
    if (kinds[i] > ROW_DELETE)
      return `kind ${kinds[i]} of row ${i} is none of +I (0), -U (1), +U (2), -D (3)`;
  }
  return undefined;
}
