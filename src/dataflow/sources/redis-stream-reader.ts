import Denque from 'denque';
import { faultPoint } from '../../dev/fault-points.js';
import { keySlot } from '../../resp/cluster/key-slot.js';
import type { Reply } from '../../resp/reply.js';
import type { RedisTransport } from '../../resp/target.js';
import type { Row } from '../../sink/row-encoder.js';
import { callOn } from './redis-stream-call.js';
import { StreamEntryGoneError, StreamGroupMissingError } from './redis-stream-errors.js';
import {
  ackPendingUpTo,
  checkNotTrimmed,
  isNoGroup,
  pendingConsumers,
  pendingIds,
} from './redis-stream-group.js';
import { compareIds, EntryPlaces } from './redis-stream-id.js';
import { decodePosition, encodePosition, type StreamPosition } from './redis-stream-position.js';
import { entryFields, entryId, streamEntries } from './redis-stream-replies.js';
import type { EntryDecoder } from './redis-stream-rows.js';
import { EMPTY_BATCH, type ReadBatch, type SourcePosition, type SourceReader } from './source.js';

/** Most IDs one `XACK` carries. */
const ACK_IDS_PER_CALL = 1000;

/** Own entries passed on in one batch and not acknowledged yet. */
interface UnackedBatch {
  /** The batch's last (highest) ID. */
  last: string;
  ids: string[];
}

/**
 * A claim round takes at most this many reads' worth of entries, and at most
 * {@link CLAIM_ROUND_MAX_IDS}. Rounds go one after another, each waiting for a checkpoint that
 * acknowledges the one before, so a round of one read made a dead consumer's backlog crawl.
 */
const CLAIM_ROUND_READS = 20;
/** Most IDs in one claim round: its `XCLAIM` is one command, which runs alone on the server. */
const CLAIM_ROUND_MAX_IDS = 10_000;

/** How often a channel checks that no entry it has yet to read was trimmed away, ms. */
export const TRIM_CHECK_MS = 5_000;

/** What a stream channel needs to know; shared by the channels of one source. */
export interface StreamReaderConfig {
  transport: RedisTransport;
  group: string;
  consumer: string;
  claimIdleMs: number;
  batch: number;
  pollMs: number;
  decode: EntryDecoder;
  now: () => number;
  /** Called once the channel is closed (the source closes its connection after the last one). */
  onClose: () => Promise<void>;
}

/** The consumer a claim round claims into: its pending list is that round's entries. */
export function claimConsumer(consumer: string, round: number): string {
  return `${consumer}~${round}`;
}

/**
 * One stream read through the consumer group: its own entries (first those still pending from
 * before a restart, then new ones with `>`) and, in claim rounds, entries other consumers left
 * pending too long. Entries are acknowledged only when a checkpoint covering them is durable.
 *
 * Rows go to the fences under partitions that rise strictly: `<channel>#<era>` for the job's own
 * entries (read in ID order), `<channel>~<round>#<era>` for each claim round's (read in ID order
 * from the round's own consumer). A round starts only after the previous one was read to its end
 * and acknowledged, so after a crash the checkpoint tells exactly which round's entries to replay.
 */
export class StreamReader implements SourceReader {
  readonly channel: string;
  readonly #stream: string;
  readonly #c: StreamReaderConfig;
  readonly #pos: StreamPosition;
  /** Own entries still pending: read from this cursor until the pending list is exhausted. */
  #history: string | null;
  /**
   * Own batches passed on and not acknowledged yet, in read order. A barrier comes between two
   * batches, so a checkpoint covers whole batches: one comparison per batch finds them.
   */
  readonly #unacked = new Denque<UnackedBatch>();
  readonly #places: EntryPlaces;
  /** The last round read to its end has been acknowledged: a new one may start. */
  #roundAcked: boolean;
  #nextClaimAt = 0;
  #nextTrimCheckAt = 0;
  /** The latest claim round whose entries are all acknowledged and its consumer removed. */
  #ackedRound: number;
  #acking: Promise<void> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  /**
   * The next `>` read, sent while the last batch is on its way through the job, so the round trip
   * overlaps the work. Entries it fetched are pending for this consumer but not passed on: a
   * crash replays them like any read that was not passed on. One read ahead at most.
   */
  #ahead: Promise<readonly Reply[]> | undefined;

  constructor(
    channel: string,
    stream: string,
    config: StreamReaderConfig,
    position: StreamPosition,
    roundAcked: boolean,
  ) {
    this.channel = channel;
    this.#stream = stream;
    this.#c = config;
    this.#pos = { ...position };
    this.#history = position.last;
    this.#roundAcked = roundAcked;
    this.#nextClaimAt = config.now() + config.claimIdleMs / 2;
    this.#nextTrimCheckAt = config.now() + TRIM_CHECK_MS;
    this.#ackedRound = roundAcked ? position.round : position.round - 1;
    this.#places = new EntryPlaces(stream);
  }

  async read(max: number, signal: AbortSignal): Promise<ReadBatch | null> {
    const count = Math.min(max, this.#c.batch);
    let wait = 1;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#pos.cursor === null && this.#c.claimIdleMs > 0 && this.#c.now() >= this.#nextClaimAt)
        await this.#startRound(count);
      if (this.#c.now() >= this.#nextTrimCheckAt) {
        // Trimming does not stop XREADGROUP: it just goes on after the gap. So look now and then.
        this.#nextTrimCheckAt = this.#c.now() + TRIM_CHECK_MS;
        await checkNotTrimmed(this.#c.transport, this.#stream, this.#c.group, this.#pos.last).catch((e) => {
          throw this.#fail(e);
        });
      }
      const batch = this.#pos.cursor !== null ? await this.#readRound(count) : await this.#readOwn(count);
      if (batch !== undefined) return batch;
      if (signal.aborted) return EMPTY_BATCH;
      await sleep(wait, signal);
      if (signal.aborted) return EMPTY_BATCH;
      wait = Math.min(wait * 2, this.#c.pollMs);
    }
  }

  position(): SourcePosition {
    return encodePosition(this.#pos);
  }

  committed(position: SourcePosition): void {
    const p = decodePosition(position, this.channel);
    const own: string[][] = [];
    while (this.#unacked.length > 0 && compareIds(this.#unacked.peekFront()!.last, p.last) <= 0)
      own.push(this.#unacked.shift()!.ids);
    this.#acking = this.#acking
      .then(() => this.#ack(own, p))
      .catch((e) => {
        this.#failure ??= this.#fail(e);
      });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ahead?.catch(() => {});
    await this.#acking;
    await this.#c.onClose();
  }

  /** Acknowledges own entries and the claim round's, as far as the durable checkpoint covers them. */
  async #ack(own: readonly string[][], p: StreamPosition): Promise<void> {
    faultPoint('stream-before-ack');
    const { transport: t, group } = this.#c;
    await this.#ackIds(own);
    if (p.round <= this.#ackedRound) return;
    const consumer = claimConsumer(this.#c.consumer, p.round);
    await ackPendingUpTo(t, this.#stream, group, consumer, p.cursor ?? '+');
    if (p.cursor === null) {
      await callOn(t, this.#stream, ['XGROUP', 'DELCONSUMER', this.#stream, group, consumer]);
      this.#ackedRound = p.round;
      if (p.round === this.#pos.round && this.#pos.cursor === null) this.#roundAcked = true;
    }
  }

  /** `XACK`s of these IDs, in one pipeline. */
  async #ackIds(batches: readonly string[][]): Promise<void> {
    const stream = this.#stream;
    const head = ['XACK', stream, this.#c.group];
    const commands: (string | number)[][] = [];
    let cmd = head.slice();
    for (const ids of batches) {
      for (let i = 0; i < ids.length; i++) {
        cmd.push(ids[i]);
        if (cmd.length === head.length + ACK_IDS_PER_CALL) {
          commands.push(cmd);
          cmd = head.slice();
        }
      }
    }
    if (cmd.length > head.length) commands.push(cmd);
    if (commands.length === 0) return;
    const slots = new Array<number>(commands.length).fill(keySlot(stream));
    const replies = await this.#c.transport.pipelineSlots(commands, slots);
    for (const r of replies) if (r instanceof Error) throw r;
  }

  /** Own entries: pending ones first (after a restart), then new ones. Undefined: none now. */
  async #readOwn(count: number): Promise<ReadBatch | undefined> {
    const from = this.#history ?? '>';
    const ahead = this.#ahead;
    this.#ahead = undefined;
    const entries = ahead !== undefined ? await ahead : await this.#xreadgroup(this.#c.consumer, count, from);
    if (entries.length === 0) {
      if (this.#history !== null) {
        this.#history = null;
        return this.#readOwn(count);
      }
      return undefined;
    }
    faultPoint('stream-read');
    if (this.#history === null && entries.length === count) {
      // A full batch: more are likely waiting. (A short one means the stream is drained for now.)
      const next = this.#xreadgroup(this.#c.consumer, count, '>');
      next.catch(() => {}); // seen when awaited
      this.#ahead = next;
      // The connection writes what was sent once per turn of the event loop, after the I/O phase.
      // This batch's decoding and routing, and whatever else that phase holds, would run before
      // the read ahead leaves; one turn first lets Redis work on it meanwhile.
      await new Promise(setImmediate);
    }
    const ids: string[] = new Array(entries.length);
    const batch = this.#rows(entries, this.channel, ids);
    const last = ids[ids.length - 1];
    if (this.#history !== null) this.#history = last;
    this.#unacked.push({ last, ids });
    this.#pos.last = last;
    return batch;
  }

  /** The open claim round's entries, in ID order; closes the round when it has no more. */
  async #readRound(count: number): Promise<ReadBatch | undefined> {
    const round = this.#pos.round;
    const entries = await this.#xreadgroup(claimConsumer(this.#c.consumer, round), count, this.#pos.cursor!);
    if (entries.length === 0) {
      this.#pos.cursor = null;
      this.#roundAcked = false;
      return this.#readOwn(count);
    }
    const ids: string[] = new Array(entries.length);
    const batch = this.#rows(entries, `${this.channel}~${round}`, ids);
    this.#pos.cursor = ids[ids.length - 1];
    return batch;
  }

  /**
   * Claims (into a new round's consumer) entries pending longer than `claimIdleMs` for consumers
   * that are not this job's. `XPENDING ... IDLE` with `XCLAIM` rather than `XAUTOCLAIM`: the
   * latter cannot leave out this job's own consumers, whose entries wait for a checkpoint. Asked
   * per foreign consumer: this job's own idle entries, earlier in the pending list, would
   * otherwise fill every page of a group-wide listing and hide the others' for good.
   */
  async #startRound(count: number): Promise<void> {
    this.#nextClaimAt = this.#c.now() + Math.max(this.#c.claimIdleMs / 2, 10);
    if (!this.#roundAcked) return;
    const { transport: t, group, consumer, claimIdleMs } = this.#c;
    const mine = `${consumer}~`;
    const want = Math.min(count * CLAIM_ROUND_READS, CLAIM_ROUND_MAX_IDS);
    const ids: string[] = [];
    try {
      for (const other of await pendingConsumers(t, this.#stream, group)) {
        if (other === consumer || other.startsWith(mine)) continue;
        const pending = await pendingIds(t, this.#stream, group, {
          from: '-',
          to: '+',
          count: want - ids.length,
          consumer: other,
          minIdleMs: claimIdleMs,
        });
        for (const p of pending) ids.push(p.id);
        if (ids.length >= want) break;
      }
    } catch (e) {
      throw this.#fail(e);
    }
    if (ids.length === 0) return;
    const round = this.#pos.round + 1;
    await callOn(t, this.#stream, [
      'XCLAIM',
      this.#stream,
      group,
      claimConsumer(consumer, round),
      claimIdleMs,
      ...ids,
      'JUSTID',
    ]);
    faultPoint('stream-claim');
    this.#pos.round = round;
    this.#pos.cursor = '0-0';
  }

  async #xreadgroup(consumer: string, count: number, from: string): Promise<readonly Reply[]> {
    try {
      return streamEntries(
        await callOn(this.#c.transport, this.#stream, [
          'XREADGROUP',
          'GROUP',
          this.#c.group,
          consumer,
          'COUNT',
          count,
          'STREAMS',
          this.#stream,
          from,
        ]),
      );
    } catch (e) {
      throw this.#fail(e);
    }
  }

  /** Rows of the entries, placed in the fences under partitions of `base`; their IDs into `ids`. */
  #rows(entries: readonly Reply[], base: string, ids: string[]): ReadBatch {
    const n = entries.length;
    const rows: Row[] = new Array(n);
    const offsets: number[] = new Array(n);
    const places = this.#places;
    const decode = this.#c.decode;
    const stream = this.#stream;
    let partitions: string[] | undefined;
    let first = '';
    for (let i = 0; i < n; i++) {
      const entry = entries[i];
      const id = entryId(entry);
      const fields = entryFields(entry);
      if (fields === null) throw new StreamEntryGoneError(stream, this.#c.group, id);
      ids[i] = id;
      rows[i] = decode(stream, id, fields);
      offsets[i] = places.place(base, id);
      const partition = places.partition;
      if (i === 0) first = partition;
      else if (partitions === undefined && partition !== first) {
        partitions = new Array(n).fill(first, 0, i);
      }
      if (partitions !== undefined) partitions[i] = partition;
    }
    return { rows, partition: partitions ?? first, offsets };
  }

  #fail(e: unknown): unknown {
    return isNoGroup(e)
      ? new StreamGroupMissingError(this.#stream, this.#c.group, this.#pos.last, { cause: e })
      : e;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
