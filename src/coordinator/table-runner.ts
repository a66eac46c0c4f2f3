import type { Logger } from '../log.js';
import { checkpointDurationSeconds, checkpointsTotal } from '../metrics/index.js';
import { slotRanges } from '../plan/router.js';
import type { Checkpoint } from '../storage/checkpoint-store.js';
import type { CheckpointLog } from '../storage/state-store.js';
import type { CoordinatorMessage } from '../wire/gen/laminar/redis/v1/worker.js';
import type { TableRecord } from './records.js';
import type { ShardRouteView } from './runtime-view.js';

/** Where a shard is in its life on a worker. */
export type ShardStatus = 'unassigned' | 'assigning' | 'running' | 'revoking';

export interface ShardSlot {
  index: number;
  status: ShardStatus;
  /** "" when unassigned. */
  workerId: string;
  epoch: number;
  /**
   * Failures in a row (reset when a checkpoint moves the shard's position); drives the restart
   * backoff and fails the table at the orchestrator's limit.
   */
  failures: number;
  /** No assignment before this time (restart backoff), ms since epoch. */
  notBefore: number;
  /** When it was revoked (status `revoking`), ms since epoch. */
  revokedAt: number;
}

export interface TableRunnerOptions {
  table: TableRecord;
  /** The table's checkpoints (its scope in the coordinator's state store). */
  checkpoints: CheckpointLog;
  intervalMs: number;
  /** A barrier not completed within this time is abandoned. */
  barrierTimeoutMs: number;
  send: (workerId: string, msg: CoordinatorMessage) => void;
  /** Where a worker's producers connect. */
  addressOf: (workerId: string) => string;
  /** Told after each recorded checkpoint. */
  onCheckpoint?: (tableId: string, cp: Checkpoint) => void;
  logger: Logger;
}

interface InFlight {
  id: number;
  startedAt: number;
  positions: Map<number, string>;
  declined: string[];
  timer: NodeJS.Timeout;
}

/**
 * One connection table on the coordinator side: where each of its shards runs (at which epoch)
 * and its barrier checkpoints. Every `intervalMs`, when every shard is running, it sends barrier N
 * to the workers hosting the table; each shard flushes and answers with its ingest position; when
 * all have, checkpoint N (a position per shard) is recorded in the table's checkpoint log and
 * announced to the workers, which then acknowledge producers. Any change of placement abandons
 * the barrier in flight; a moved shard resumes from the last recorded checkpoint.
 */
export class TableRunner {
  readonly table: TableRecord;
  readonly shards: ShardSlot[];
  readonly #o: TableRunnerOptions;
  readonly #store: CheckpointLog;
  #latest: Checkpoint | null = null;
  #nextId = 0;
  #inFlight: InFlight | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** A checkpoint was asked for while one was in flight: begin the next at once. */
  #wanted = false;
  #closed = false;
  /** Set when the table gave up (restart budget spent): producers get this reason. */
  failure: string | null = null;

  constructor(options: TableRunnerOptions) {
    this.#o = options;
    this.table = options.table;
    this.shards = slotRanges(options.table.shards).map((_, index) => ({
      index,
      status: 'unassigned',
      workerId: '',
      epoch: 0,
      failures: 0,
      notBefore: 0,
      revokedAt: 0,
    }));
    this.#store = options.checkpoints;
  }

  /** Loads the last checkpoint and starts the checkpoint interval. */
  async open(): Promise<void> {
    this.#latest = await this.#store.latest();
    this.#nextId = await this.#store.nextId();
    this.#schedule();
  }

  /** The recorded ingest position of shard `index` ("" when none). */
  positionOf(index: number): string {
    const p = this.#latest?.sources[shardName(this.table.name, index)];
    return p === undefined ? '' : String(p);
  }

  get lastCheckpointId(): number {
    return this.#latest?.id ?? -1;
  }

  routes(): ShardRouteView[] {
    return slotRanges(this.table.shards).map(([first, last], j) => {
      const s = this.shards[j];
      const live = s.status === 'running';
      return {
        shard: j,
        firstSlot: first,
        lastSlot: last,
        workerId: live ? s.workerId : '',
        ingestAddress: live ? this.#o.addressOf(s.workerId) : '',
        epoch: live ? s.epoch : 0,
      };
    });
  }

  /** A shard's placement changed: the barrier in flight cannot complete. */
  placementChanged(): void {
    this.#abandon('placement changed');
  }

  onBarrierDone(shard: number, epoch: number, barrier: number, position: string, declined: string): void {
    const f = this.#inFlight;
    const s = this.shards[shard];
    if (f === null || f.id !== barrier || s === undefined || s.epoch !== epoch || s.status !== 'running')
      return;
    f.positions.set(shard, position);
    if (declined !== '') f.declined.push(`${shardName(this.table.name, shard)}: ${declined}`);
    if (f.positions.size === this.shards.length) void this.#complete(f);
  }

  /**
   * A producer waits for its rows (its flush()): checkpoint now, or right after the checkpoint in
   * flight, instead of at the next interval. One checkpoint at a time still: requests made while
   * one runs share the next.
   */
  requestCheckpoint(): void {
    if (this.#closed) return;
    if (this.#inFlight !== null) {
      this.#wanted = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#begin();
  }

  /** Stops checkpointing (the table is deleted or the coordinator stops). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abandon('closed');
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const wanted = this.#wanted;
    this.#wanted = false;
    this.#timer = setTimeout(() => this.#begin(), wanted ? 0 : this.#o.intervalMs);
    this.#timer.unref();
  }

  #begin(): void {
    if (this.#closed || this.#inFlight !== null) return;
    if (!this.shards.every((s) => s.status === 'running')) {
      this.#schedule();
      return;
    }
    const id = this.#nextId++;
    const timer = setTimeout(() => this.#abandon(`barrier ${id} timed out`), this.#o.barrierTimeoutMs);
    timer.unref();
    this.#inFlight = { id, startedAt: performance.now(), positions: new Map(), declined: [], timer };
    for (const w of new Set(this.shards.map((s) => s.workerId))) {
      this.#o.send(w, { kind: { $case: 'barrier', value: { tableId: this.table.id, barrierId: id } } });
    }
  }

  #abandon(reason: string): void {
    const f = this.#inFlight;
    if (f === null) return;
    clearTimeout(f.timer);
    this.#inFlight = null;
    checkpointsTotal.inc({ job: this.table.name, outcome: reason === 'declined' ? 'declined' : 'abandoned' });
    this.#o.logger.debug({ table: this.table.name, checkpoint: f.id, reason }, 'checkpoint abandoned');
    this.#schedule();
  }

  async #complete(f: InFlight): Promise<void> {
    if (f.declined.length > 0) {
      this.#o.logger.warn(
        { table: this.table.name, checkpoint: f.id, reasons: f.declined },
        'checkpoint declined',
      );
      this.#abandon('declined');
      return;
    }
    const sources: Record<string, string> = {};
    const positions: Record<number, string> = {};
    for (const [j, p] of [...f.positions].sort((a, b) => a[0] - b[0])) {
      sources[shardName(this.table.name, j)] = p;
      positions[j] = p;
    }
    const before = this.#latest;
    const generation = Math.max(...this.shards.map((s) => s.epoch));
    // An idle table: the last recorded checkpoint already says everything this one would (same
    // positions, same owners). Writing it again would cost a file and two fsyncs per interval
    // per table for nothing; it completes without touching the disk.
    const unchanged =
      before !== null && before.generation === generation && sameSources(before.sources, sources);
    const cp: Checkpoint = unchanged
      ? before
      : {
          id: f.id,
          jobId: this.table.id,
          createdAt: new Date().toISOString(),
          generation,
          sources,
          operators: {},
        };
    if (!unchanged) {
      try {
        await this.#store.write(cp);
      } catch (err) {
        this.#o.logger.error({ table: this.table.name, checkpoint: f.id, err }, 'checkpoint not recorded');
        checkpointsTotal.inc({ job: this.table.name, outcome: 'failed' });
        if (this.#inFlight === f) this.#abandon('write failed');
        return;
      }
    }
    // Recorded, so it is what a moved shard resumes from even if it was abandoned meanwhile; only
    // a checkpoint still in flight is announced (a shard may have moved since).
    this.#latest = cp;
    checkpointsTotal.inc({ job: this.table.name, outcome: 'completed' });
    checkpointDurationSeconds.observe({ job: this.table.name }, (performance.now() - f.startedAt) / 1000);
    if (this.#inFlight !== f) return;
    clearTimeout(f.timer);
    this.#inFlight = null;
    // Only progress forgives failures: a shard that fails on a row it replays from the last
    // checkpoint would otherwise be restarted forever, a checkpoint completing between failures.
    for (const s of this.shards) {
      const name = shardName(this.table.name, s.index);
      if (before?.sources[name] !== cp.sources[name]) s.failures = 0;
    }
    for (const w of new Set(this.shards.map((s) => s.workerId))) {
      this.#o.send(w, {
        kind: { $case: 'committed', value: { tableId: this.table.id, checkpointId: cp.id, positions } },
      });
    }
    this.#o.onCheckpoint?.(this.table.id, cp);
    this.#schedule();
  }
}

function sameSources(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Name of a table shard (its ingest channel on the worker): "<table>#<index>". */
export function shardName(tableName: string, index: number): string {
  return `${tableName}#${index}`;
}
