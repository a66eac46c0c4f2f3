/**
 * The public producer: writes rows into a connection table of a running laminar-redis
 * coordinator + workers, through the workers' Ingest service, with acknowledgements, resends
 * after failures and backpressure (docs/producer.md).
 *
 * ```ts
 * const p = new Producer({ coordinator: rt.grpcAddress, table: 'user_sessions', token });
 * await p.write(rows);   // accepted into the window (waits while maxUnackedRows are unacknowledged)
 * await p.delete([{ id: 'u1' }]);   // or write(rows, { kinds }): upserts and deletes, upsert tables
 * await p.flush();       // every written row is durable in Redis (a checkpoint covered it)
 * await p.close();
 * ```
 */

import { type Logger, SILENT_LOGGER } from '../log.js';
import { SlotRouter } from '../plan/router.js';
import { keySlot } from '../resp/cluster/key-slot.js';
import { isRetraction, ROW_DELETE } from '../sink/changelog.js';
import { keyColumnOf, type SinkTable } from '../sink/model.js';
import { type Row, RowEncoder } from '../sink/row-encoder.js';
import { rowsFitKeyed, rowsHaveField } from '../sink/writers/index.js';
import { bearer } from '../wire/grpc-util.js';
import {
  EncodedRow,
  keyedItem,
  keyedItemSize,
  keyedKeyItem,
  RefusedItem,
  refusal,
} from '../wire/keyed-rows.js';
import {
  isRowObject,
  jsonRowText,
  laneEncoding,
  RowEncodingError,
  type RowEncodingName,
} from '../wire/row-batch-codec.js';
import { IngestChannels } from './ingest-channels.js';
import {
  grpcStatusOf,
  ProducerClosedError,
  ProducerFailedError,
  type ProducerFailureReason,
  statusName,
} from './producer-errors.js';
import { type LaneContext, ProducerLane } from './producer-lane.js';
import {
  type ProducerOptions,
  parseProducerOptions,
  type ResolvedProducerOptions,
} from './producer-options.js';
import { emptyStats, type ProducerStats } from './producer-stats.js';
import { RowWindow } from './producer-window.js';
import { destinationFailed, isDestinationFailed, isRetryableStatus, retryDelay } from './retry-policy.js';
import {
  atEntry,
  changelogOfWrite,
  checkKinds,
  decodeChangelogWrite,
  type ProducerWriteOptions,
  retractsByKey,
} from './row-kinds.js';
import { type TableRoute, TableRoutingClient } from './table-routing.js';

interface FlushWaiter {
  /** Per shard: the ordinal that must be acknowledged. */
  targets: number[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Routing of a destination with one shard and no key (a pipeline's ingest source). */
const ONE_SHARD = { shardOf: (): number => 0, shardOfSlot: (): number => 0 };

/** Keyed rows a producer takes between two turns of the event loop (a few ms of CPU). */
const WRITE_SLICE_ROWS = 2_000;

/**
 * Writes rows to a table's shards on the workers; see the module comment. `await using producer =
 * new Producer(...)` closes it (flushing) at the end of the scope.
 */
export class Producer implements AsyncDisposable {
  /** This producer's id (sequence numbers are counted per producer id and shard). */
  readonly id: string;
  readonly #o: ResolvedProducerOptions;
  readonly #log: Logger;
  readonly #routing: TableRoutingClient;
  readonly #channels: IngestChannels;
  readonly #window: RowWindow;
  readonly #stats = emptyStats();
  readonly #ready: Promise<void>;
  #router: Pick<SlotRouter, 'shardOf' | 'shardOfSlot'> | null = null;
  #lanes: ProducerLane[] = [];
  /** The encoding in use: `keyed` becomes `json` for a destination without a model. */
  #encoding: RowEncodingName = 'keyed';
  /** The table's row encoder (null without a model: a pipeline's ingest source). */
  #encoder: RowEncoder | null = null;
  /** The table dead-letters bad rows: a refused row carries its dead-letter JSON. */
  #deadLetters = false;
  /** The table's model (undefined: a pipeline's ingest source), for the kinds of a write. */
  #model: SinkTable | undefined;
  /** A retraction into the table is applied by key alone: the producer encodes only its key. */
  #retractsByKey = false;
  /**
   * The shard a refused row goes to: where the workers' router sends a row without a key (shard
   * 0, or the one shard of a table whose rows all have the same key). A refused row writes no key
   * of its own, only a dead-letter entry, so its shard only has to be the one that checks it.
   */
  #refusedShard = 0;
  /** Column whose bytes would not survive JSON (the routing key column), checked per row with json. */
  #keyColumn: string | undefined;
  #flushes: FlushWaiter[] = [];
  /** Keyed rows taken since the event loop last ran (see #writeKeyed). */
  #unyielded = 0;
  #failure: ProducerFailedError | null = null;
  #closing: Promise<void> | null = null;

  /**
   * Starts fetching the table's routing at once; `write()` waits for it.
   *
   * @throws ProducerOptionsError for invalid options.
   */
  constructor(options: ProducerOptions) {
    this.#o = parseProducerOptions(options);
    this.id = this.#o.producerId;
    this.#log = this.#o.logger ?? SILENT_LOGGER;
    const metadata = bearer(this.#o.token);
    this.#routing = new TableRoutingClient(
      this.#o.coordinators,
      this.#o.table,
      this.#o.credentials,
      metadata,
    );
    this.#channels = new IngestChannels(this.#o.credentials);
    this.#window = new RowWindow(this.#o.maxUnackedRows);
    this.#ready = this.#start(metadata);
    // Failures surface through write()/flush(); an unobserved start must not crash the process.
    this.#ready.catch(() => {});
  }

  /** Counters since creation. */
  stats(): ProducerStats {
    return { ...this.#stats, unackedRows: this.#window.rows };
  }

  /**
   * Accepts rows: resolves once every row is in the producer's window, waiting while
   * `maxUnackedRows` rows are unacknowledged (backpressure from the workers and Redis). Rows of one
   * call keep their order per shard; await each call before the next to keep order across calls.
   *
   * `options.kinds` says, per row, whether it is an insert, an update's old or new row, or a
   * delete (`ROW_INSERT` ... `ROW_DELETE`; docs/producer.md, "Updates and deletes"). A table in
   * `upsert` mode applies deletes and update-befores; a retraction needs only the row's key
   * columns where the table deletes by key (strings, per-column hashes).
   *
   * `options.format: 'debezium'` (envelopes) or `options.opColumn` (plain rows with an operation
   * column) make the rows a changelog whose entries say their kinds, read as JSON-lines sources
   * and HTTP ingest read them (docs/producer.md, "Debezium envelopes and operation columns").
   * Every entry is read before any row is accepted; errors name the entry's index in the call.
   *
   * @throws RowEncodingError before accepting any row of the call when one cannot be encoded.
   * @throws RowKindError before accepting any row of the call for a kind that is none of the four,
   *   a delete or update-before into an `append` table, or a changelog entry that says no kind (an
   *   unknown op, a delete without its row or key, an update without `before` under `retract`);
   *   RangeError when there is not one kind per row; TypeError for contradicting options.
   * @throws ProducerFailedError once the producer failed; ProducerClosedError after close().
   */
  async write(rows: readonly Row[], options?: ProducerWriteOptions): Promise<void> {
    this.#assertOpen();
    if (!Array.isArray(rows)) throw new TypeError('write(rows): rows must be an array of row objects');
    const format = changelogOfWrite(options);
    if (format === undefined) return this.#write(rows, options?.kinds);
    const decoded = decodeChangelogWrite(rows, format, this.#o.table);
    try {
      return await this.#write(decoded.rows, decoded.kinds);
    } catch (err) {
      throw atEntry(err, decoded.entries);
    }
  }

  async #write(rows: readonly Row[], given: ArrayLike<number> | undefined): Promise<void> {
    if (this.#router === null) await this.#ready;
    this.#assertOpen();
    const kinds = given === undefined ? null : checkKinds(given, rows.length, this.#o.table, this.#model);
    if (this.#encoding === 'keyed') return this.#writeKeyed(rows, kinds);
    // Encode (json) or check (v8) the whole call first: a row the encoding cannot carry rejects
    // it with nothing accepted. A row the table's encoder refuses is no such row: it goes as a
    // refused row (see #writeKeyed), so the worker's sink applies the table's error policy to it
    // as RedisSink.write() would — JSON would drop a function or symbol column without a word
    // and turn NaN into null, v8 cannot carry a function at all.
    const mode = this.#encoding;
    const enc = this.#encoder;
    const router = this.#router!;
    const lanes = this.#lanes;
    // One shard: every row goes to lane 0, no key to compute.
    const single = lanes.length === 1;
    const items = new Array<string | Row | RefusedItem>(rows.length);
    // The shard of each row the table's encoder took: from the key it computed, not again.
    const shards = single || enc === null ? null : new Int32Array(rows.length).fill(-1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const checked = enc !== null && isRowObject(row);
      // A retraction the sink applies by key is checked as the sink checks it: by its key alone.
      const byKey = kinds !== null && this.#retractsByKey && isRetraction(kinds[i]);
      const refused = checked ? refusal(enc, row, this.#deadLetters, byKey) : null;
      if (refused !== null) {
        items[i] = refused;
        continue;
      }
      if (shards !== null && checked) shards[i] = router.shardOfSlot(keySlot(enc.key));
      if (mode === 'json') {
        // The encoder's value is the row's own JSON.stringify text when the table writes it so.
        items[i] = checked && !byKey && enc.valueIsRowJson ? (enc.value as string) : jsonRowText(row, i);
        if (this.#keyColumn !== undefined) this.#checkJsonKey(row, i);
      } else if (!isRowObject(row)) {
        throw new RowEncodingError(i, 'a row must be an object');
      } else {
        items[i] = row;
      }
    }
    for (let i = 0; i < rows.length; i++) {
      if (this.#window.full) await this.#roomInWindow();
      const item = items[i];
      const kind = kinds === null ? 0 : kinds[i];
      if (item instanceof RefusedItem) {
        lanes[single ? 0 : this.#refusedShard].addRefused(item, keyedItemSize(item), kind);
      } else {
        const known = shards === null ? -1 : shards[i];
        const shard = single ? 0 : known >= 0 ? known : router.shardOf(rows[i]);
        if (mode === 'json') lanes[shard].add(item, (item as string).length, kind);
        else lanes[shard].add(item, 0, kind);
      }
      this.#window.take(1);
      this.#stats.rowsWritten++;
    }
  }

  /**
   * `write()` with keyed rows: lets the event loop run after every {@link WRITE_SLICE_ROWS} rows
   * (counted across calls). A stream hands its next batch to HTTP/2 only after the
   * previous one's write completes, which takes a turn of the event loop; a caller awaiting one
   * large write after another never yields one (its awaits resolve as microtasks), so batches
   * piled up in the stream while the worker waited for them (docs/benchmarks.md, "Figures behind
   * design decisions"). Only a non-object row can reject the call, checked before any row is taken.
   */
  async #writeKeyed(rows: readonly Row[], kinds: ArrayLike<number> | null): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      if (!isRowObject(rows[i])) throw new RowEncodingError(i, 'a row must be an object');
    }
    const enc = this.#encoder!;
    const router = this.#router!;
    const lanes = this.#lanes;
    // One shard: every row goes to lane 0, no key to compute.
    const single = lanes.length === 1;
    for (let i = 0; i < rows.length; i++) {
      if (this.#window.full) {
        await this.#roomInWindow();
        this.#unyielded = 0;
      }
      const kind = kinds === null ? 0 : kinds[i];
      const item =
        kind !== 0 && this.#retractsByKey && isRetraction(kind)
          ? keyedKeyItem(enc, rows[i], i, this.#deadLetters)
          : keyedItem(enc, rows[i], i, this.#deadLetters);
      const shard = single
        ? 0
        : item instanceof EncodedRow
          ? router.shardOfSlot(keySlot(item.key))
          : this.#refusedShard; // where the worker's router sends a refused row
      lanes[shard].addItem(item, keyedItemSize(item), kind);
      this.#window.take(1);
      this.#stats.rowsWritten++;
      // Counted across calls, so small writes do not pay a turn each and large ones get several.
      if (++this.#unyielded === WRITE_SLICE_ROWS) {
        this.#unyielded = 0;
        for (const lane of lanes) lane.absorb();
        await new Promise(setImmediate);
        this.#assertOpen();
      }
    }
    for (const lane of lanes) lane.absorb();
  }

  /**
   * `write(rows, { kinds })` with every row a delete (`ROW_DELETE`): each row's key columns say
   * what goes (a hash field's or a set member's table needs those columns too). The table must be
   * in `upsert` mode.
   *
   * @throws RowKindError into an `append` table, and whatever {@link write} throws.
   */
  delete(rows: readonly Row[]): Promise<void> {
    if (!Array.isArray(rows)) {
      return Promise.reject(new TypeError('delete(rows): rows must be an array of row objects'));
    }
    return this.write(rows, { kinds: new Uint8Array(rows.length).fill(ROW_DELETE) });
  }

  /**
   * Sends every partial batch and resolves once every row written before the call is
   * acknowledged durable (a checkpoint on its shard covered it).
   *
   * @throws ProducerFailedError once the producer failed.
   */
  async flush(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    await this.#ready;
    if (this.#failure !== null) throw this.#failure;
    for (const lane of this.#lanes) lane.seal();
    // A batch that could not be encoded fails the producer as it is sealed: its rows are in no
    // lane's queue, so the targets below would be reached without them.
    if (this.#failure !== null) throw this.#failure;
    const targets = this.#lanes.map((l) => l.lastOrdinal);
    if (this.#reached(targets)) return;
    for (const lane of this.#lanes) lane.requestFlush();
    return new Promise((resolve, reject) => this.#flushes.push({ targets, resolve, reject }));
  }

  /**
   * Flushes, then closes the streams and channels. Rejects (after closing) when rows could not be
   * acknowledged: the producer had failed, or `signal` aborted the wait for acknowledgements
   * ({@link ProducerClosedError} with the count of unacknowledged rows). A producer whose routing
   * never arrived closes at once.
   */
  close(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#closing ??= this.#close(options.signal);
    return this.#closing;
  }

  /** {@link Producer.close} without a signal, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(signal: AbortSignal | undefined): Promise<void> {
    let error: unknown = null;
    let aborted = false;
    try {
      // Before the routing arrived no row can have been written: nothing to flush.
      if (this.#router !== null && this.#failure === null) await untilAborted(this.flush(), signal);
      else if (this.#router !== null && this.#window.rows > 0) error = this.#failure;
    } catch (err) {
      aborted = signal?.aborted === true && this.#failure === null;
      error = aborted ? new ProducerClosedError(this.id, this.#window.rows) : err;
    }
    const closed = error instanceof ProducerClosedError ? error : new ProducerClosedError(this.id);
    for (const lane of this.#lanes) lane.close(this.#failure !== null || aborted);
    this.#window.fail(this.#failure ?? closed);
    const flushes = this.#flushes;
    this.#flushes = [];
    for (const f of flushes) f.reject(this.#failure ?? closed);
    this.#routing.close();
    this.#channels.close();
    if (error !== null) throw error;
  }

  #assertOpen(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#closing !== null) throw new ProducerClosedError(this.id);
  }

  /** JSON turns bytes into an object: the worker would compute another key, hence another shard. */
  #checkJsonKey(row: Row, index: number): void {
    if ((row as Record<string, unknown>)[this.#keyColumn!] instanceof Uint8Array) {
      throw new RowEncodingError(
        index,
        `key column '${this.#keyColumn}' holds bytes, which JSON cannot carry; create the producer with encoding: 'v8'`,
      );
    }
  }

  /** Waits for room in the window, asking for checkpoints meanwhile (see {@link #windowFull}). */
  async #roomInWindow(): Promise<void> {
    this.#windowFull();
    await this.#window.room();
    this.#assertOpen();
  }

  /**
   * `write()` must wait for acknowledgements: send what the lanes hold and ask for checkpoints now
   * rather than at the shards' next interval. A producer that fills its window faster than the
   * interval acknowledges it would otherwise idle until the next checkpoint, and its workers with
   * it, as it does with the defaults (1 s interval, 100,000-row window): docs/producer.md, "Flow
   * control"; the figures are in docs/benchmarks.md, "Figures behind design decisions".
   */
  #windowFull(): void {
    for (const lane of this.#lanes) {
      lane.seal();
      lane.requestFlush();
    }
  }

  /** Fetches the routing (retrying while the coordinator is unavailable) and builds the lanes. */
  async #start(metadata: ReturnType<typeof bearer>): Promise<void> {
    let route: TableRoute;
    const since = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        route = await this.#routing.refresh();
        break;
      } catch (err) {
        if (this.#closing !== null) throw new ProducerClosedError(this.id);
        const code = grpcStatusOf(err);
        if (isDestinationFailed(code)) {
          this.#fail('TABLE_FAILED', destinationFailed(err), err);
          throw this.#failure;
        }
        if (code === undefined || !isRetryableStatus(code)) {
          this.#fail(code === undefined ? 'ROUTING' : 'REJECTED', (err as Error).message, err);
          throw this.#failure;
        }
        if (Date.now() - since >= this.#o.retryTimeoutMs) {
          this.#fail('RETRY_TIMEOUT', `coordinator unreachable: ${statusName(code)}`, err);
          throw this.#failure;
        }
        await new Promise((r) => setTimeout(r, retryDelay(attempt)));
      }
    }
    const model = route.model;
    try {
      this.#router = model === undefined ? ONE_SHARD : new SlotRouter(model, route.shards);
    } catch (err) {
      this.#fail('ROUTING', (err as Error).message, err);
      throw this.#failure;
    }
    const t = model?.target;
    // Keyed rows carry key, field and value: tables whose rows carry more travel as JSON.
    this.#encoding =
      this.#o.encoding === 'keyed' && (model === undefined || !rowsFitKeyed(model.target))
        ? 'json'
        : this.#o.encoding;
    let keyedItemOf: LaneContext['keyedItemOf'] = null;
    if (model !== undefined) {
      const enc = new RowEncoder(model);
      const deadLetters = model.onError === 'dead_letter';
      this.#encoder = enc;
      this.#deadLetters = deadLetters;
      this.#model = model;
      this.#retractsByKey = retractsByKey(model);
      this.#refusedShard = this.#router.shardOf({});
      keyedItemOf = (row) => keyedItem(enc, row, -1, deadLetters);
    }
    this.#keyColumn = t === undefined || this.#encoding !== 'json' ? undefined : keyColumnOf(t);
    const ctx: LaneContext = {
      options: this.#o,
      wireEncoding: laneEncoding(this.#encoding),
      hash: t !== undefined && rowsHaveField(t),
      keyedItemOf,
      stats: this.#stats,
      channels: this.#channels,
      metadata,
      logger: this.#log,
      route: () => this.#routing.current!,
      refreshRoute: () => this.#routing.refresh(),
      acknowledged: (rows) => this.#acknowledged(rows),
      fail: (reason, message, cause) => this.#fail(reason, message, cause),
    };
    for (let j = 0; j < route.shards; j++) this.#lanes.push(new ProducerLane(j, ctx));
  }

  #acknowledged(rows: number): void {
    this.#stats.rowsAcked += rows;
    this.#window.release(rows);
    if (this.#flushes.length === 0) return;
    const still: FlushWaiter[] = [];
    for (const f of this.#flushes) {
      if (this.#reached(f.targets)) f.resolve();
      else still.push(f);
    }
    this.#flushes = still;
  }

  #reached(targets: readonly number[]): boolean {
    for (let j = 0; j < targets.length; j++) if (this.#lanes[j].ackedOrdinal < targets[j]) return false;
    return true;
  }

  #fail(reason: ProducerFailureReason, message: string, cause?: unknown): void {
    if (this.#failure !== null) return;
    const err = new ProducerFailedError(this.id, this.#o.table, reason, message, { cause });
    this.#failure = err;
    this.#log.error(
      { producer: this.id, table: this.#o.table, reason, code: err.code, status: statusName(err.grpcStatus) },
      err.message,
    );
    for (const lane of this.#lanes) lane.close(true);
    this.#window.fail(err);
    const flushes = this.#flushes;
    this.#flushes = [];
    for (const f of flushes) f.reject(err);
  }
}

/** `p`, or a rejection with the abort reason once `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
