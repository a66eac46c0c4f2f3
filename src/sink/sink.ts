import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { errorCodeLabel, SinkMetrics } from '../metrics/sink-metrics.js';
import { type EncodedCommands, encodedCommandAt } from '../resp/encoded-commands.js';
import { CommandEncoder } from '../resp/encoder.js';
import { ConnectionError, ReplyError } from '../resp/errors.js';
import type { Command, Reply } from '../resp/reply.js';
import { Batch, ROW_OVERHEAD_BYTES } from './batch.js';
import type { WriteOptions } from './changelog.js';
import { ChangelogRows } from './changelog-rows.js';
import { deadLetterEntry } from './dead-letter.js';
import { PayloadRow } from './encoded-row.js';
import { BadRowError, FencedError, SinkFailedError, SinkWriteError } from './errors.js';
import { FenceMemory, noteApplied, sendFenced } from './fence/fenced-commands.js';
import type { EncodedFlush, RowPipeline } from './grouped-pipeline.js';
import type { SinkTable } from './model.js';
import type { RedisTarget } from './redis-target.js';
import { type Row, RowEncoder } from './row-encoder.js';
import { rowPipeline } from './row-pipeline.js';

/** Bounds of what a sink holds between `write()` and Redis's replies. */
export interface SinkLimits {
  /** Rows accepted but not yet acknowledged before `write()` waits. Default {@link DEFAULT_MAX_IN_FLIGHT_ROWS}. */
  maxInFlightRows?: number;
  /** Approximate bytes accepted but not yet acknowledged before `write()` waits. Default 64 MiB. */
  maxInFlightBytes?: number;
  /**
   * Generation of this writer, raised by the runtime on every restore or reassignment; the fence
   * script refuses writes from older generations. Default 1.
   */
  generation?: number;
  /**
   * The job these writes belong to, for `exactly_once` tables: its identity, which the runtime
   * keeps in the job's checkpoint directory. Fences record offsets per owner; a fence another
   * owner wrote is taken over (emptied), so a new job is never fenced by an old one's offsets or
   * generation. Default `''`: every sink of the table given no owner shares its fences.
   */
  fenceOwner?: string;
}

/**
 * Where rows come from: their source partition(s) and monotonic offsets. With it, an
 * `exactly_once` table applies each row at most once however often it is replayed.
 */
export interface RowPositions {
  /** One partition for all rows, or one per row. */
  partition: string | readonly string[];
  /** One offset per row; offsets of a partition increase in input order. */
  offsets: readonly number[];
}

export const DEFAULT_MAX_IN_FLIGHT_ROWS = 100_000;
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
/**
 * Rows of one fenced flush at most. On standalone Redis a fenced flush is one script call, which
 * runs alone on the server: this bounds how long it blocks other clients.
 */
export const MAX_FENCED_FLUSH_ROWS = 10_000;

/**
 * Rows a sink adds between looks at whether its sent bytes wait in the process for the socket
 * (`isBlocked`). While they do, it lets the event loop turn before adding more: bytes past what
 * the kernel's socket buffers hold (a few MB on loopback) move only on a turn, and a caller
 * writing batch after batch without one (an awaited write() under its bound never yields to I/O)
 * would encode for tens of ms while Redis, done with the buffered part, waits idle. With nested
 * string rows (~260 B per SET, batches of 10,000, 4 in flight) 5–8 MB still waited in the process
 * each time write() returned; with this, at most the flush just sent does.
 */
const PACE_ROWS = 1024;

/** A promise settled after the event loop's next turn (its I/O included). */
const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Counters of one sink. */
export interface SinkStats {
  rowsIn: number;
  rowsWritten: number;
  rowsSkipped: number;
  rowsDeadLettered: number;
  /** Fenced rows that were already applied (a replay) and skipped by the fence. */
  rowsDuplicate: number;
  /** NOSCRIPT replies answered by sending the script itself (after a restart or failover). */
  scriptReloads: number;
  flushes: number;
  commands: number;
  /** Times `write()` had to wait for in-flight rows to be acknowledged. */
  backpressureWaits: number;
  /**
   * Update-befores (`-U`) of an `upsert` table dropped because the update-after that followed
   * rewrote the same key: nothing to write for them (see changelog.ts).
   */
  rowsMerged: number;
}

/** The events of a {@link RedisSink}: event name → listener arguments. */
export interface RedisSinkEvents {
  /**
   * The sink failed (a bad row under `onError: 'fail'`, a write Redis refused, a lost
   * connection); emitted only when someone listens — the next `write()`/`flush()` rejects with
   * the same error either way.
   */
  error: [error: Error];
}

/**
 * Writes rows of one table into Redis. Rows are encoded at `write()`, collected into a batch,
 * and flushed as one pipeline when the batch reaches `batchSize` rows or `flushIntervalMs` after
 * its first row. Several flushes may be in flight; per-key order holds because one connection
 * per node answers in order (and the cluster client keeps redirected commands in order).
 *
 * Failure model: a bad row follows the table's `onError`; a server error reply, or a connection
 * lost with the outcome of a flush unknown, fails the sink — every later `write()`/`flush()`
 * rejects with that error, and the runtime restarts from its last checkpoint.
 */
export class RedisSink extends EventEmitter<RedisSinkEvents> implements AsyncDisposable {
  readonly table: SinkTable;
  readonly stats: SinkStats = {
    rowsIn: 0,
    rowsWritten: 0,
    rowsSkipped: 0,
    rowsDeadLettered: 0,
    rowsDuplicate: 0,
    scriptReloads: 0,
    flushes: 0,
    commands: 0,
    backpressureWaits: 0,
    rowsMerged: 0,
  };
  readonly #target: RedisTarget;
  readonly #encoder: RowEncoder;
  readonly #log: Logger;
  readonly #maxRows: number;
  readonly #maxBytes: number;
  readonly #deadLetterKey: string | undefined;
  readonly #generation: number;
  readonly #fenceOwner: string;
  readonly #cluster: boolean;
  readonly #metrics: SinkMetrics;
  /**
   * On standalone Redis, a table whose at-least-once rows can be encoded as they come (strings:
   * one SET per row; lists, hashes, sets, sorted sets: one variadic command per key): its batches
   * encode them here and they go to the client as they are (no command array per row). Null
   * otherwise.
   */
  readonly #direct: RowPipeline | null;
  /** Adds rows that come with kinds (made on the first such write). */
  #changelog: ChangelogRows | null = null;
  /** Stats already added to the metrics: they are published per write() call and per flush. */
  #published = { rowsIn: 0, rowsSkipped: 0, rowsDeadLettered: 0, rowsWritten: 0 };
  #batch: Batch;
  #timer: NodeJS.Timeout | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  /** Per (slot, partition) fence: what this sink's fenced flushes sent, whether it caught up. */
  readonly #fenceMemory = new FenceMemory();
  /** The last retry of script calls (NOSCRIPT, FENCEGAP); the next one is sent after it. */
  #retryTail: Promise<unknown> = Promise.resolve();
  /** Flushes whose script calls are being sent again (see #settle). */
  #retrying = 0;
  /**
   * On standalone Redis (a transport that takes encoded commands), where fenced flushes encode
   * their script calls, their rows' values kept as bytes (Batch.valueBytes); null otherwise.
   */
  readonly #fenceEncoder: CommandEncoder | null;
  /** Bytes of the last fenced batch's values: the next one's room at first. */
  #valueBytes = 64 * 1024;
  /** On a cluster, the last fenced flush, NOSCRIPT retry included; the next is sent after it. */
  #fencedTail: Promise<unknown> | null = null;
  #inFlightRows = 0;
  #inFlightBytes = 0;
  /** Rows added since the last look at the transport's socket (see {@link PACE_ROWS}). */
  #sincePace = 0;
  /** Settles when the write that let the event loop turn half-way has added all its rows. */
  #adding: Promise<void> | null = null;
  #waiters: Array<() => void> = [];
  #failed: Error | null = null;
  /** A failure that came from Redis (error reply, lost connection, FENCED), not from a bad row. */
  #redisFailure: Error | null = null;
  #closed = false;
  readonly #onTimer = (): void => this.#flushBatch();

  constructor(table: SinkTable, target: RedisTarget, logger: Logger, limits: SinkLimits = {}) {
    super();
    this.table = table;
    this.#target = target;
    this.#encoder = new RowEncoder(table);
    this.#log = logger;
    this.#maxRows = limits.maxInFlightRows ?? DEFAULT_MAX_IN_FLIGHT_ROWS;
    this.#maxBytes = limits.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES;
    this.#deadLetterKey =
      table.onError === 'dead_letter' ? (table.deadLetterKey ?? `${table.name}:dead_letter`) : undefined;
    this.#generation = limits.generation ?? 1;
    this.#fenceOwner = limits.fenceOwner ?? '';
    this.#cluster = target.topology === 'cluster';
    this.#metrics = new SinkMetrics(table.name);
    this.#direct = target.pipelineEncoded === undefined ? null : rowPipeline(table.target);
    this.#fenceEncoder = target.pipelineEncoded === undefined || this.#cluster ? null : new CommandEncoder();
    this.#batch = new Batch(table.target, false, this.#direct);
  }

  /** The error that stopped the sink, if any. */
  get failure(): Error | null {
    return this.#failed;
  }

  /**
   * Accepts rows. Resolves once they are accepted — not necessarily written: `flush()` waits for
   * that. Waits (backpressure) while more than the in-flight bound is unacknowledged. With
   * `onError: 'fail'` a bad row rejects with BadRowError; the rows before it are accepted and
   * still written, the rows after it are not, and the sink stays failed.
   *
   * With source positions (`partition` and `offsets`) an `exactly_once` table applies rows
   * through the fences; without them rows are written at least once. With `kinds` (one per row:
   * `ROW_INSERT`, `ROW_UPDATE_BEFORE`, `ROW_UPDATE_AFTER`, `ROW_DELETE`) the rows are a
   * changelog: an `upsert` table applies each retraction, an `append` table refuses it as a bad
   * row (see changelog.ts and docs/sink.md).
   */
  async write(rows: readonly Row[], options?: RowPositions | WriteOptions): Promise<void> {
    this.#check();
    // A write that let the event loop turn half-way (see PACE_ROWS) is still adding its rows:
    // this call's rows go after them, whoever resumes first.
    while (this.#adding !== null) await this.#adding;
    this.#check();
    const enc = this.#encoder;
    const positions =
      options?.offsets !== undefined && options.partition !== undefined
        ? (options as RowPositions)
        : undefined;
    const fenced = positions !== undefined && this.table.delivery === 'exactly_once';
    if (fenced !== this.#batch.fenced) {
      this.#flushBatch();
      this.#batch = this.#newBatch(fenced);
    }
    const kinds = (options as WriteOptions | undefined)?.kinds;
    if (kinds !== undefined) {
      this.#changelog ??= new ChangelogRows(this.table, enc, this.stats);
      this.#changelog.add(rows, kinds, positions, this.#rowSink);
    } else {
      // A worker's keyed rows go into the pipeline as bytes when the batch encodes as it goes.
      const direct = this.#batch.encodes;
      // A fenced batch keeping its values as bytes takes a JSON row's bytes too.
      const inBytes = direct || this.#batch.valueBytes !== null;
      const partitions = positions?.partition;
      let release: (() => void) | null = null;
      try {
        for (let i = 0; i < rows.length; i++) {
          if (++this.#sincePace === PACE_ROWS) {
            this.#sincePace = 0;
            if (this.#target.isBlocked === true) {
              if (release === null) this.#adding = new Promise<void>((r) => (release = r));
              await nextTurn();
              // Failed or closed meanwhile: the rows from here on are not accepted (#check throws).
              if (this.#failed !== null || this.#closed) break;
            }
          }
          this.#addRow(rows[i], i, direct, inBytes, positions, partitions);
        }
      } finally {
        if (release !== null) {
          this.#adding = null;
          (release as () => void)();
        }
      }
    }
    this.#publishIn();
    if (!this.#batch.isEmpty && this.#timer === null) {
      this.#timer = setTimeout(this.#onTimer, this.table.flushIntervalMs);
    }
    if (this.#overBound() && this.#failed === null) {
      const waitStart = performance.now();
      do {
        // Rows sitting in the open batch count too; send them so the bound can be reached.
        this.#flushBatch();
        this.stats.backpressureWaits++;
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      } while (this.#overBound() && this.#failed === null);
      this.#metrics.backpressureSeconds.inc((performance.now() - waitStart) / 1000);
    }
    this.#check();
  }

  /** Encodes row `i` of a write into the open batch (or reports it bad); flushes a full batch. */
  #addRow(
    row: Row,
    i: number,
    direct: boolean,
    inBytes: boolean,
    positions: RowPositions | undefined,
    partitions: string | readonly string[] | undefined,
  ): void {
    this.stats.rowsIn++;
    if (direct && row instanceof PayloadRow) {
      this.#batch.addPayload(row);
    } else {
      const enc = this.#encoder;
      // A batch encoding as it goes copies the row's JSON bytes at once (Batch.add).
      const reason = enc.encode(row, inBytes);
      if (reason === null) {
        if (partitions === undefined) {
          this.#batch.add(enc);
        } else {
          this.#batch.add(
            enc,
            typeof partitions === 'string' ? partitions : partitions[i],
            positions!.offsets[i],
          );
        }
      } else {
        this.#badRow(row, i, reason);
      }
    }
    if (this.#batch.rows >= this.#flushRows) this.#flushBatch();
  }

  /** Where {@link ChangelogRows} puts the rows it takes, and the bad rows it does not. */
  readonly #rowSink = {
    add: (enc: RowEncoder, partition?: string, offset?: number): void => {
      this.#batch.add(enc, partition, offset);
      if (this.#batch.rows >= this.#flushRows) this.#flushBatch();
    },
    addRemove: (
      key: string | Buffer,
      field: string | Buffer,
      value: string | Buffer,
      partition?: string,
      offset?: number,
    ): void => {
      this.#batch.addRemove(key, field, value, partition, offset);
      if (this.#batch.rows >= this.#flushRows) this.#flushBatch();
    },
    bad: (row: Row, index: number, reason: string): void => this.#badRow(row, index, reason),
  };

  /**
   * A row that cannot be written, by the table's `onError`: counted and logged, dead-lettered, or
   * (`fail`) the sink fails and this throws — the rows before it are still written.
   */
  #badRow(row: Row, index: number, reason: string): void {
    const policy = this.table.onError;
    if (policy === 'skip') {
      this.stats.rowsSkipped++;
      this.#log.warn({ table: this.table.name, index, reason }, 'bad row skipped');
    } else if (policy === 'dead_letter') {
      this.#batch.addDeadLetter(deadLetterEntry(this.table.name, reason, row));
      this.stats.rowsDeadLettered++;
    } else {
      const err = new BadRowError(this.table.name, reason, { index });
      this.#publishIn();
      this.#fail(err);
      this.#flushBatch();
      throw err;
    }
  }

  /** Sends what is buffered and resolves when every accepted row is acknowledged by Redis. */
  async flush(): Promise<void> {
    while (this.#adding !== null) await this.#adding;
    this.#flushBatch();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    if (this.#failed !== null) throw this.#failed;
  }

  /**
   * Sends what is buffered and resolves once every row accepted so far is acknowledged by Redis,
   * while rows written after the call go on (a checkpoint barrier that does not stop the flow:
   * replies come back in order on each connection, so the flushes in flight now cover those rows).
   * Rejects with the sink's failure.
   */
  settled(): Promise<void> {
    this.#flushBatch();
    return Promise.all([...this.#inFlight]).then(() => {
      if (this.#failed !== null) throw this.#failed;
    });
  }

  /** {@link RedisSink.close}, for `await using`: flushes, then closes. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Flushes, then closes the connection. A failed sink still closes, then rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    let error: unknown = null;
    try {
      await this.flush();
    } catch (err) {
      error = err;
    }
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#target.close();
    if (error !== null) throw error;
  }

  #check(): void {
    if (this.#failed !== null) throw this.#failed;
    if (this.#closed) throw new SinkFailedError(this.table.name, 'the sink is closed');
  }

  /** Rows that trigger a flush of the open batch. */
  get #flushRows(): number {
    return this.#batch.fenced ? Math.min(this.table.batchSize, MAX_FENCED_FLUSH_ROWS) : this.table.batchSize;
  }

  #overBound(): boolean {
    return (
      this.#inFlightRows + this.#batch.rows > this.#maxRows ||
      this.#inFlightBytes + this.#batch.bytes > this.#maxBytes
    );
  }

  #flushBatch(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#batch;
    if (batch.isEmpty) return;
    if (batch.valueBytes !== null) this.#valueBytes = Math.max(batch.valueBytes.length, 1024);
    this.#batch = this.#newBatch(batch.fenced);
    const rows = batch.rows;
    const bytes = batch.bytes;
    this.#inFlightRows += rows;
    this.#inFlightBytes += bytes;
    this.stats.flushes++;
    const started = performance.now();
    if (batch.encodes) {
      this.#track(this.#sendEncoded(batch.encoded(this.#deadLetterKey), rows, bytes), started, rows, bytes);
      return;
    }
    const { commands, rowsPerCommand } = batch.commands(this.#deadLetterKey, {
      table: this.table.name,
      owner: this.#fenceOwner,
      generation: this.#generation,
      cluster: this.#cluster,
      memory: this.#fenceMemory,
      ...(this.#fenceEncoder === null ? {} : { encoder: this.#fenceEncoder }),
    });
    this.stats.commands += commands.length;
    this.#metrics.pipelineCommands.observe(commands.length);
    // On standalone Redis several fenced flushes may be in flight (one script call each, on one
    // connection, in order): a call sent after one that was not applied whole (an error reply,
    // or NOSCRIPT before its retry) finds its fences short of what that call sent and applies
    // nothing past the gap (FENCEGAP, see fence-script.ts); #settle sends it again after the
    // retry that fills the gap. On a cluster, whose client may dispatch two pipelines to a node
    // out of call order while it waits on its slot map, fenced flushes go one at a time, so a
    // NOSCRIPT retry always runs before any later call of its slot. No fenced flush is sent once
    // Redis refused or lost an earlier one: replaying from the checkpoint must find the fence
    // where the last applied row left it.
    const send = (): Promise<Reply[]> =>
      batch.fenced && this.#redisFailure !== null
        ? Promise.reject(this.#redisFailure)
        : batch.fenced
          ? sendFenced(this.#target, commands)
          : this.#target.pipeline(commands);
    // While earlier calls are being sent again, a new call sent straight away would run before
    // them, find their gap (FENCEGAP) and need a retry of its own: with flushes always in flight,
    // every later flush would then run twice. It waits for those retries instead.
    const tail = !batch.fenced
      ? null
      : this.#cluster
        ? this.#fencedTail
        : this.#retrying > 0
          ? this.#retryTail
          : null;
    const sent = tail === null ? send() : tail.then(send, send);
    const p: Promise<void> = sent
      .then((replies) => this.#settle(commands, replies, rowsPerCommand, bytes - rows * ROW_OVERHEAD_BYTES))
      // Also a failure of the NOSCRIPT retry inside #settle: it must fail the sink, never escape.
      .catch((err: unknown) => this.#flushFailed(err));
    if (batch.fenced && this.#cluster) this.#fencedTail = p.catch(() => {});
    this.#track(p, started, rows, bytes);
  }

  #newBatch(fenced: boolean): Batch {
    const room = fenced && this.#fenceEncoder !== null ? this.#valueBytes : null;
    return new Batch(this.table.target, fenced, this.#direct, room);
  }

  /** Counts a flush as in flight until `p` settles (it never rejects). */
  #track(p: Promise<void>, started: number, rows: number, bytes: number): void {
    const done = p.finally(() => {
      this.#metrics.flushDuration.observe((performance.now() - started) / 1000);
      this.#publishOut();
      this.#inFlight.delete(done);
      this.#inFlightRows -= rows;
      this.#inFlightBytes -= bytes;
      this.#wake();
    });
    this.#inFlight.add(done);
  }

  /**
   * Sends a batch encoded as it came: one SET per row, then maybe the dead-letter push. Never
   * rejects (a failure fails the sink).
   */
  #sendEncoded(encoded: EncodedFlush, rows: number, bytes: number): Promise<void> {
    this.stats.commands += encoded.count;
    this.#metrics.pipelineCommands.observe(encoded.count);
    return this.#target.pipelineEncoded!(encoded)
      .then((replies) => {
        for (let i = 0; i < replies.length; i++) {
          const r = replies[i];
          if (r instanceof Error) {
            // The commands before it were applied.
            const per = encoded.rowsPerCommand;
            let before = Math.min(i, rows);
            if (per !== undefined) {
              before = 0;
              for (let j = 0; j < i; j++) before += per[j];
            }
            this.stats.rowsWritten += before;
            this.#failEncoded(encoded, i, r);
            return;
          }
        }
        this.stats.rowsWritten += rows;
        this.#metrics.bytesOut.inc(bytes - rows * ROW_OVERHEAD_BYTES);
      })
      .catch((err: unknown) => this.#flushFailed(err));
  }

  /** Fails the sink for the error reply to command `i` of an encoded flush. */
  #failEncoded(encoded: EncodedCommands, i: number, r: Error): void {
    const prefix = replyPrefix(r);
    const [name, key] = encodedCommandAt(encoded, i);
    // The key as the row gave it: text when its bytes are UTF-8, else bytes (shown in hex).
    const text = key.toString('utf8');
    const shown = Buffer.from(text, 'utf8').equals(key) ? text : key;
    this.#fail(
      new SinkWriteError(this.table.name, name.toString('latin1'), keyText(shown), prefix, { cause: r }),
    );
  }

  /** A flush (or its NOSCRIPT retry) got no replies: the sink fails with the outcome stated. */
  #flushFailed(err: unknown): void {
    this.#fail(
      err instanceof ConnectionError
        ? new SinkFailedError(
            this.table.name,
            err.written
              ? 'connection lost while a flush was in flight; its outcome is unknown'
              : 'connection lost before a flush was sent',
            { cause: err },
          )
        : (err as Error),
    );
  }

  /**
   * Checks a flush's replies. Script calls that met a node without the script (NOSCRIPT, after a
   * restart or failover), and calls that found a gap such a call left (FENCEGAP), are sent again
   * with the script's source, in order, before the flush counts as done. `payload`: the flush's bytes, counted once every reply is a success.
   */
  async #settle(
    commands: readonly Command[],
    replies: readonly Reply[],
    rowsPerCommand: readonly number[],
    payload: number,
  ) {
    let retry: number[] | null = null;
    let reload = false;
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i];
      if (!(r instanceof ReplyError)) continue;
      if (r.prefix === 'NOSCRIPT') {
        reload = true;
        (retry ??= []).push(i);
      } else if (r.prefix === 'FENCEGAP' && this.#redisFailure === null) {
        // An earlier call met NOSCRIPT and its retry (sent before this one's) now fills the gap:
        // send this call again after it. Had the earlier call failed, the sink would have too.
        (retry ??= []).push(i);
      }
    }
    if (retry !== null) {
      if (reload) this.stats.scriptReloads++;
      // Retries run one flush after the other, in the order the flushes were sent: a retry that
      // fills a gap must be applied before the retry of a later call that found that gap (the
      // cluster client may dispatch two pipelines to one node out of call order while it waits).
      const calls = retry.map((i) => commands[i]);
      const sent = this.#retryTail.then(() => sendFenced(this.#target, calls, true));
      this.#retryTail = sent.catch(() => {});
      this.#retrying++;
      let again: Reply[];
      try {
        again = await sent;
      } finally {
        this.#retrying--;
      }
      const merged = replies.slice();
      retry.forEach((i, j) => {
        merged[i] = again[j];
      });
      replies = merged;
    }
    if (this.#checkReplies(commands, replies, rowsPerCommand)) this.#metrics.bytesOut.inc(payload);
  }

  /** Counts the rows written; fails the sink at the first error reply (then returns false). */
  #checkReplies(
    commands: readonly Command[],
    replies: readonly Reply[],
    rowsPerCommand: readonly number[],
  ): boolean {
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i];
      if (r instanceof ReplyError && r.prefix === 'FENCED') {
        this.#fail(new FencedError(this.table.name, this.#generation, { cause: r }));
        return false;
      }
      if (r instanceof Error) {
        const cmd = commands[i];
        const prefix = replyPrefix(r);
        this.#fail(
          isScript(cmd)
            ? new SinkWriteError(this.table.name, 'fence script', keyText(scriptKey(cmd, r)), prefix, {
                cause: r,
              })
            : new SinkWriteError(this.table.name, String(cmd[0]), keyText(cmd[1]), prefix, { cause: r }),
        );
        return false;
      }
      this.stats.rowsWritten += rowsPerCommand[i];
      if (typeof r === 'number' && isScript(commands[i])) {
        this.stats.rowsDuplicate += rowsPerCommand[i] - r;
        noteApplied(commands[i], r, rowsPerCommand[i]);
      }
    }
    return true;
  }

  /** Adds the rows accepted, skipped and dead-lettered since the last call to the metrics. */
  #publishIn(): void {
    const s = this.stats;
    const p = this.#published;
    const m = this.#metrics;
    m.rowsIn.inc(s.rowsIn - p.rowsIn);
    p.rowsIn = s.rowsIn;
    if (s.rowsSkipped !== p.rowsSkipped || s.rowsDeadLettered !== p.rowsDeadLettered) {
      const skipped = s.rowsSkipped - p.rowsSkipped;
      const dead = s.rowsDeadLettered - p.rowsDeadLettered;
      m.rowsSkipped.inc(skipped);
      m.rowsDeadLettered.inc(dead);
      m.error('ERR_BAD_ROW', skipped + dead);
      p.rowsSkipped = s.rowsSkipped;
      p.rowsDeadLettered = s.rowsDeadLettered;
    }
  }

  /** Adds the rows acknowledged since the last call to the metrics. */
  #publishOut(): void {
    const written = this.stats.rowsWritten;
    this.#metrics.rowsOut.inc(written - this.#published.rowsWritten);
    this.#published.rowsWritten = written;
  }

  #fail(err: Error): void {
    if (!(err instanceof BadRowError)) this.#redisFailure ??= err;
    if (this.#failed !== null) return;
    this.#failed = err;
    // Only the error that stops the sink counts: flushes in flight with it fail for the same cause.
    this.#metrics.error(err instanceof BadRowError ? 'ERR_BAD_ROW' : sinkErrorCode(err));
    this.#log.error({ table: this.table.name, code: (err as { code?: string }).code }, err.message);
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.#wake();
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    if (this.#failed === null && this.#overBound()) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** The metrics code of a sink failure: the server's prefix, or the code of the error under it. */
function sinkErrorCode(err: Error): string {
  if (err instanceof SinkWriteError) return errorCodeLabel(err);
  if (err instanceof SinkFailedError && err.cause !== undefined) return errorCodeLabel(err.cause);
  return errorCodeLabel(err);
}

/** The server's error prefix of an error reply, or the code of an error in its place. */
function replyPrefix(r: Error): string {
  return r instanceof ReplyError ? r.prefix : ((r as { code?: string }).code ?? 'ERR');
}

function isScript(cmd: Command): boolean {
  return cmd[0] === 'EVALSHA' || cmd[0] === 'EVAL';
}

/**
 * The key a fence script call failed on: its error names it as ` [KEYS[i]]` (fence-script.ts);
 * else the call's first data key after a single fence hash, as a hint.
 */
function scriptKey(cmd: Command, r: Error): unknown {
  const m = / \[KEYS\[(\d+)\]\]$/.exec(r.message);
  // KEYS[1] is the command's fourth argument: EVALSHA sha numkeys KEYS...
  return m === null ? cmd[4] : cmd[2 + Number(m[1])];
}

/** A key as shown in an error: text, or hex for binary keys; long keys cut. */
function keyText(key: unknown): string {
  const s = Buffer.isBuffer(key) ? `0x${key.subarray(0, 64).toString('hex')}` : String(key);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
