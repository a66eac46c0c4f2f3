import { LaminarError } from '../errors.js';
import { childLogger, type Logger } from '../log.js';
import { shardsGauge, workersGauge } from '../metrics/index.js';
import { SLOT_COUNT } from '../resp/cluster/key-slot.js';
import type { StateStore } from '../storage/state-store.js';
import type {
  BarrierDone,
  CheckpointWanted,
  CoordinatorMessage,
  PipelineEvent,
  ShardFailed,
  ShardStarted,
  ShardStopped,
  WorkerHello,
} from '../wire/gen/laminar/redis/v1/worker.js';
import { type PipelinePatch, PipelineRunner } from './pipeline-runner.js';
import type { PipelineRecord, TableRecord } from './records.js';
import type { RuntimeView, ShardRouteView, WorkerView } from './runtime-view.js';
import { place } from './scheduler.js';
import { type ShardSlot, shardName, TableRunner } from './table-runner.js';

/** What the orchestrator needs of the metadata store. */
export interface OrchestratorStore {
  /** A durable, never repeated, increasing number: assignment epochs and pipeline generations. */
  nextEpoch(): Promise<number>;
  listTables(): TableRecord[];
  listPipelines(): PipelineRecord[];
  updatePipeline(id: string, patch: PipelinePatch): Promise<PipelineRecord>;
}

export interface OrchestratorOptions {
  store: OrchestratorStore;
  /**
   * The coordinator's state store: table checkpoints live in its scope `tables/<table id>`
   * (`<dataDir>/tables/<table id>` for the local store); workers are told its id.
   */
  state: StateStore;
  /**
   * The `--state` URL workers open to checkpoint pipelines (references unresolved); undefined
   * for a local store, whose pipelines checkpoint to their `checkpoint.dir`.
   */
  stateUrl?: string;
  /** How often workers send a heartbeat and the coordinator checks them. Default {@link DEFAULT_HEARTBEAT_INTERVAL_MS}. */
  heartbeatIntervalMs?: number;
  /**
   * A worker silent this long is lost. Counted in heartbeat checks, so time this process's own
   * event loop was stalled does not count. Default {@link DEFAULT_HEARTBEAT_TIMEOUT_MS}.
   */
  heartbeatTimeoutMs?: number;
  /** Default 1000 ms. */
  checkpointIntervalMs?: number;
  /** Default 30 000 ms. */
  barrierTimeoutMs?: number;
  /** Placement waits this long after the first worker registers (or for `expectedWorkers`). Default 300 ms. */
  settleMs?: number;
  expectedWorkers?: number;
  /** A revoked shard must confirm it stopped within this time, or its worker is cut off. Default 30 000 ms. */
  revokeTimeoutMs?: number;
  /** Failures of a shard in a row (without a checkpoint between) before its table fails. Default 5. */
  maxShardFailures?: number;
  logger: Logger;
}

/**
 * The coordinator's end of one worker's session stream, as the orchestrator uses it;
 * worker-service.ts implements it over the Coordination.Register call.
 */
export interface WorkerLink {
  /** Sends a message; nothing once the stream has ended. */
  send(msg: CoordinatorMessage): void;
  /** Ends the stream: the coordinator is closing. */
  end(): void;
  /** Fails the stream (UNAVAILABLE, with `details`): the worker's session ends and it stops everything it hosts. */
  cutOff(details: string): void;
}

/** One registered worker. The service hands it back with each message of its stream. */
export interface WorkerSession {
  readonly id: string;
  readonly hello: WorkerHello;
  readonly link: WorkerLink;
  readonly registeredAtMs: number;
  /** Wall-clock time of the last message on the stream. */
  lastHeartbeatMs: number;
  /**
   * Silence since the last message, counted by the heartbeat checks (at most one interval per
   * check): what the timeout is compared with.
   */
  silentMs: number;
  state: 'ready' | 'lost' | 'stopped';
}

/**
 * What workers tell the orchestrator: one call per message kind of a session stream
 * (worker-service.ts makes them). Messages of a gone (lost or stopped) session are ignored.
 */
export interface WorkerEvents {
  /** A worker said hello: registers and welcomes it. */
  workerJoined(link: WorkerLink, hello: WorkerHello): WorkerSession;
  /** The worker's stream ended, was cancelled or failed without a goodbye: it is lost. */
  workerLeft(session: WorkerSession, reason: string): void;
  /** The worker said goodbye (its stop()): it deregistered on purpose. */
  workerStopped(session: WorkerSession): void;
  /** A sign of life: the service calls it for every message of a registered stream. */
  heartbeat(session: WorkerSession): void;
  shardStarted(session: WorkerSession, report: ShardStarted): void;
  shardStopped(session: WorkerSession, report: ShardStopped): void;
  shardFailed(session: WorkerSession, report: ShardFailed): void;
  barrierDone(session: WorkerSession, report: BarrierDone): void;
  checkpointWanted(session: WorkerSession, request: CheckpointWanted): void;
  pipelineEvent(session: WorkerSession, event: PipelineEvent): void;
}

/** Which shard incarnation a worker's report is about. */
type ShardRef = Pick<ShardStarted, 'tableId' | 'shard' | 'epoch'>;

/** Why a shard failed, as its worker reported it. */
interface ShardFailure {
  /** `[code] message`. */
  reason: string;
  /** Restarting the shard would fail it again the same way (see {@link DETERMINISTIC_FAILURES}). */
  deterministic: boolean;
}

/**
 * Failure codes a restart cannot cure: a restarted shard resumes at its last checkpoint and its
 * producers resend what came after it, so it meets the same row again. `ERR_BAD_ROW`: a row the
 * table's `'sink.on_error' = 'fail'` refuses.
 */
const DETERMINISTIC_FAILURES: ReadonlySet<string> = new Set(['ERR_BAD_ROW']);

/** Gone workers (lost or stopped) still listed, the most recent. */
const GONE_KEPT = 32;

/** How often workers send heartbeats and the coordinator checks them. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 500;

/**
 * Silence after which a worker is lost. Only a silent worker (frozen, partitioned, its machine
 * gone) waits for it: a killed worker's stream closes and it is lost at once. Long enough to ride
 * out multi-second GC pauses and CPU starvation of a loaded worker (docs/distributed.md).
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * The coordinator's side of execution: worker sessions (Coordination.Register streams with
 * heartbeats), placement of table shards and pipelines on workers (scheduler.ts), table
 * checkpoints (TableRunner) and pipeline lifecycles (PipelineRunner). A worker that misses
 * heartbeats or whose stream breaks is lost: its shards and pipelines are placed again, each
 * with a new epoch, and resume from their last checkpoint. The gRPC side of the sessions is
 * worker-service.ts.
 */
export class Orchestrator implements RuntimeView, WorkerEvents {
  readonly #o: OrchestratorOptions;
  readonly #log: Logger;
  readonly #sessions = new Map<string, WorkerSession>();
  /** Lost and stopped sessions, oldest first. */
  readonly #gone: WorkerSession[] = [];
  readonly #tables = new Map<string, TableRunner>();
  readonly #pipelines = new Map<string, PipelineRunner>();
  #nextWorker = 1;
  #settled = false;
  #settleTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  /** performance.now() of the last heartbeat check. */
  #lastCheck = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #placing = false;
  #again = false;
  #closed = false;

  constructor(options: OrchestratorOptions) {
    this.#o = options;
    this.#log = childLogger(options.logger, { component: 'orchestrator' });
  }

  /** Loads stored tables and pipelines (they are placed once workers register). */
  async open(): Promise<void> {
    for (const t of this.#o.store.listTables()) await this.#addTable(t);
    for (const p of this.#o.store.listPipelines()) {
      const r = this.#pipelineRunner(p);
      // Workers of the previous coordinator dropped everything when their session ended.
      if (!r.terminal && p.workerId !== '') await r.set({ workerId: '', state: 'recovering' });
    }
    const every = this.#o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#lastCheck = performance.now();
    this.#heartbeatTimer = setInterval(() => this.#checkHeartbeats(), every);
    this.#heartbeatTimer.unref();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#settleTimer);
    clearTimeout(this.#retryTimer);
    for (const t of this.#tables.values()) t.close();
    for (const s of this.#sessions.values()) s.link.end();
    this.#sessions.clear();
  }

  // ── RuntimeView ────────────────────────────────────────────────────────────────────────────

  tableCreated(table: TableRecord): void {
    this.#addTable(table).then(
      () => this.#place(),
      (err: unknown) => {
        // Stopping while the table's checkpoints were being read (their directory may be gone
        // by then) is no failure of the table.
        if (this.#closed) return;
        const runner = this.#tables.get(table.id);
        const reason = `its checkpoints could not be read: ${err instanceof Error ? err.message : String(err)}`;
        if (runner !== undefined) this.#failTable(runner, reason);
      },
    );
  }

  async tableDeleted(table: TableRecord): Promise<void> {
    const runner = this.#tables.get(table.id);
    if (runner === undefined) return;
    this.#tables.delete(table.id);
    runner.close();
    for (const s of runner.shards) {
      if (s.workerId !== '' && s.status !== 'unassigned') {
        this.#send(s.workerId, {
          kind: { $case: 'revokeShard', value: { tableId: table.id, shard: s.index, epoch: s.epoch } },
        });
      }
    }
    this.#place();
  }

  routing(table: TableRecord): ShardRouteView[] {
    const runner = this.#tables.get(table.id);
    if (runner === undefined) throw new LaminarError('ERR_NOT_FOUND', `table ${table.name} is not running`);
    if (runner.failure !== null) {
      throw new LaminarError('ERR_FAILED_PRECONDITION', `table ${table.name} failed: ${runner.failure}`);
    }
    return runner.routes();
  }

  tableFailure(table: TableRecord): string | undefined {
    return this.#tables.get(table.id)?.failure ?? undefined;
  }

  sourceRouting(pipeline: PipelineRecord, _source: string): ShardRouteView[] {
    const r = this.#pipeline(pipeline.id);
    const w = r.record.state === 'running' ? this.#sessions.get(r.record.workerId) : undefined;
    return [
      {
        shard: 0,
        firstSlot: 0,
        lastSlot: SLOT_COUNT - 1,
        workerId: w?.id ?? '',
        ingestAddress: w?.hello.ingestAddress ?? '',
        epoch: w === undefined ? 0 : r.record.generation,
      },
    ];
  }

  workers(): WorkerView[] {
    const view = (s: WorkerSession): WorkerView => ({
      id: s.id,
      ingestAddress: s.hello.ingestAddress,
      state: s.state,
      registeredAtMs: s.registeredAtMs,
      lastHeartbeatMs: s.lastHeartbeatMs,
      shards:
        s.state === 'ready'
          ? [...this.#tables.values()].flatMap((t) =>
              t.shards.filter((x) => x.workerId === s.id).map((x) => shardName(t.table.name, x.index)),
            )
          : [],
      pipelines:
        s.state === 'ready'
          ? [...this.#pipelines.values()].filter((p) => p.record.workerId === s.id).map((p) => p.record.id)
          : [],
    });
    return [...this.#sessions.values(), ...this.#gone].map(view);
  }

  pipelineCreated(pipeline: PipelineRecord): void {
    this.#pipelineRunner(pipeline);
    this.#place();
  }

  async stopPipeline(id: string): Promise<PipelineRecord> {
    const r = this.#pipeline(id);
    if (r.terminal) return r.record;
    r.stopRequested = true;
    if (r.record.workerId === '') {
      await r.set({ state: 'stopped' });
      return r.record;
    }
    const ended = r.whenEnded();
    this.#send(r.record.workerId, { kind: { $case: 'stopPipeline', value: { pipelineId: id } } });
    await ended;
    return r.record;
  }

  triggerCheckpoint(id: string): Promise<number> {
    const r = this.#pipeline(id);
    if (r.record.state !== 'running' || r.record.workerId === '') {
      return Promise.reject(
        new LaminarError(
          'ERR_FAILED_PRECONDITION',
          `pipeline ${r.record.name} is ${r.record.state}, not running`,
        ),
      );
    }
    const { requestId, done } = r.requestCheckpoint();
    this.#send(r.record.workerId, {
      kind: { $case: 'checkpointPipeline', value: { pipelineId: id, requestId } },
    });
    return done;
  }

  watchPipeline(id: string, onChange: (p: PipelineRecord) => void): () => void {
    return this.#pipeline(id).watch(onChange);
  }

  // ── WorkerEvents: sessions ─────────────────────────────────────────────────────────────────

  workerJoined(link: WorkerLink, hello: WorkerHello): WorkerSession {
    const id = `w${this.#nextWorker++}-${(hello.name || 'worker').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}`;
    const now = Date.now();
    const session: WorkerSession = {
      id,
      hello,
      link,
      registeredAtMs: now,
      lastHeartbeatMs: now,
      silentMs: 0,
      state: 'ready',
    };
    this.#sessions.set(id, session);
    this.#log.info({ worker: id, ingest: hello.ingestAddress }, 'worker registered');
    link.send({
      kind: {
        $case: 'welcome',
        value: {
          workerId: id,
          heartbeatIntervalMs: this.#o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
          stateId: this.#o.state.id,
        },
      },
    });
    if (!this.#settled) {
      const expected = this.#o.expectedWorkers;
      if (expected !== undefined && this.#sessions.size >= expected) this.#settle();
      else this.#settleTimer ??= setTimeout(() => this.#settle(), this.#o.settleMs ?? 300);
    } else {
      this.#place();
    }
    return session;
  }

  workerLeft(session: WorkerSession, reason: string): void {
    this.#workerLost(session, reason);
  }

  workerStopped(session: WorkerSession): void {
    this.#workerGone(session, 'stopped');
  }

  heartbeat(session: WorkerSession): void {
    if (session.state !== 'ready') return;
    session.lastHeartbeatMs = Date.now();
    session.silentMs = 0;
  }

  #settle(): void {
    clearTimeout(this.#settleTimer);
    this.#settled = true;
    this.#place();
  }

  #workerLost(s: WorkerSession, reason: string): void {
    this.#workerGone(s, 'lost', reason);
  }

  /**
   * The session is over: its shards and pipelines move. Only a lost worker is worth a warning;
   * one that stopped on purpose was the operator's doing.
   */
  #workerGone(s: WorkerSession, state: 'lost' | 'stopped', reason?: string): void {
    if (s.state !== 'ready') return;
    s.state = state;
    this.#sessions.delete(s.id);
    this.#gone.push(s);
    if (this.#gone.length > GONE_KEPT) this.#gone.shift();
    if (this.#closed) return;
    if (state === 'lost') {
      this.#log.warn({ worker: s.id, reason }, 'worker lost; moving its shards and pipelines');
    } else {
      this.#log.info({ worker: s.id }, 'worker stopped; moving its shards and pipelines');
    }
    for (const t of this.#tables.values()) {
      let moved = false;
      for (const slot of t.shards) {
        if (slot.workerId !== s.id) continue;
        slot.status = 'unassigned';
        slot.workerId = '';
        moved = true;
      }
      if (moved) t.placementChanged();
    }
    const updates: Promise<void>[] = [];
    for (const p of this.#pipelines.values()) {
      if (p.record.workerId !== s.id || p.terminal) continue;
      p.workerLost();
      updates.push(p.set({ workerId: '', state: p.stopRequested ? 'stopped' : 'recovering' }));
    }
    this.#place();
    // Pipelines are placed once their records say they have no worker.
    if (updates.length > 0) void Promise.allSettled(updates).then(() => this.#place());
  }

  #checkHeartbeats(): void {
    this.#gauges();
    const every = this.#o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    const now = performance.now();
    const gap = now - this.#lastCheck;
    this.#lastCheck = now;
    // A check that runs late means this process was stalled (GC, CPU starvation, a burst of API
    // calls): heartbeats that arrived meanwhile are still unread (timers run before I/O callbacks),
    // so at most one interval of the gap counts as the workers' silence.
    const silence = Math.min(gap, every);
    const timeout = this.#o.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    // A worker that does not confirm a revocation in time is cut off: its session ends (so it
    // stops everything it hosts) and its shards move, rather than a table waiting forever.
    const revokeLimit = Date.now() - (this.#o.revokeTimeoutMs ?? 30_000);
    for (const t of this.#tables.values()) {
      for (const slot of t.shards) {
        const s = slot.status === 'revoking' ? this.#sessions.get(slot.workerId) : undefined;
        if (s === undefined || slot.revokedAt >= revokeLimit) continue;
        // Lost first: cutting the stream off reports it as failed, which a lost session ignores.
        this.#workerLost(
          s,
          `shard ${shardName(t.table.name, slot.index)} did not stop in time after its revocation`,
        );
        s.link.cutOff('a revoked shard did not stop in time');
      }
    }
    for (const s of [...this.#sessions.values()]) {
      s.silentMs += silence;
      if (s.silentMs < timeout) continue;
      this.#workerLost(s, 'missed heartbeats');
      s.link.cutOff('no heartbeat: declared lost');
    }
  }

  /** Workers and shards by state, for /metrics (refreshed with the heartbeat check). */
  #gauges(): void {
    workersGauge.set({ state: 'ready' }, this.#sessions.size);
    const gone = (state: WorkerSession['state']) => this.#gone.filter((s) => s.state === state).length;
    workersGauge.set({ state: 'lost' }, gone('lost'));
    workersGauge.set({ state: 'stopped' }, gone('stopped'));
    const byStatus: Record<string, number> = {
      unassigned: 0,
      assigning: 0,
      running: 0,
      revoking: 0,
      failed: 0,
    };
    for (const t of this.#tables.values())
      for (const s of t.shards) byStatus[t.failure === null ? s.status : 'failed']++;
    for (const [state, n] of Object.entries(byStatus)) shardsGauge.set({ state }, n);
  }

  #send(workerId: string, msg: CoordinatorMessage): void {
    this.#sessions.get(workerId)?.link.send(msg);
  }

  // ── WorkerEvents: shards and pipelines ─────────────────────────────────────────────────────

  shardStarted(session: WorkerSession, report: ShardStarted): void {
    const slot = this.#ownSlot(session, report)?.slot;
    if (slot?.status === 'assigning') slot.status = 'running';
  }

  shardStopped(session: WorkerSession, report: ShardStopped): void {
    this.#shardEnded(session, report, undefined);
  }

  shardFailed(session: WorkerSession, report: ShardFailed): void {
    this.#shardEnded(session, report, {
      reason: `[${report.code}] ${report.message}`,
      deterministic: DETERMINISTIC_FAILURES.has(report.code),
    });
  }

  barrierDone(session: WorkerSession, v: BarrierDone): void {
    if (session.state !== 'ready') return;
    this.#tables.get(v.tableId)?.onBarrierDone(v.shard, v.epoch, v.barrierId, v.position, v.declined);
  }

  checkpointWanted(session: WorkerSession, request: CheckpointWanted): void {
    // Only from the shard's current owner: a deposed worker must not drive checkpoints.
    this.#ownSlot(session, request)?.table.requestCheckpoint();
  }

  pipelineEvent(session: WorkerSession, event: PipelineEvent): void {
    if (session.state !== 'ready') return;
    const p = this.#pipelines.get(event.pipelineId);
    if (p === undefined || p.record.workerId !== session.id) return;
    void p.onEvent(event).then(() => {
      if (p.terminal) this.#place();
    });
  }

  /**
   * The table and slot a report is about, when its session is live and owns the slot at the
   * report's epoch; else undefined (a report of a deposed owner is ignored).
   */
  #ownSlot(s: WorkerSession, r: ShardRef): { table: TableRunner; slot: ShardSlot } | undefined {
    if (s.state !== 'ready') return undefined;
    const table = this.#tables.get(r.tableId);
    const slot = table?.shards[r.shard];
    if (table === undefined || slot === undefined || slot.epoch !== r.epoch || slot.workerId !== s.id)
      return undefined;
    return { table, slot };
  }

  /** A shard stopped (after a revocation) or failed (`failure`): its slot is placed again. */
  #shardEnded(s: WorkerSession, r: ShardRef, failure: ShardFailure | undefined): void {
    const own = this.#ownSlot(s, r);
    if (own === undefined) return;
    const { table: t, slot } = own;
    slot.status = 'unassigned';
    slot.workerId = '';
    t.placementChanged();
    if (failure !== undefined) this.#countFailure(t, slot.index, failure);
    this.#place();
  }

  /**
   * Restarts a failed shard after a backoff, or fails its table: at once when the failure would
   * only repeat (the restarted shard replays the same rows from its checkpoint), else after
   * `maxShardFailures` failures without progress between them (TableRunner resets the count when
   * a checkpoint moves the shard's position).
   */
  #countFailure(t: TableRunner, index: number, failure: ShardFailure): void {
    const slot = t.shards[index];
    slot.failures++;
    const max = this.#o.maxShardFailures ?? 5;
    const { reason } = failure;
    this.#log.error({ table: t.table.name, shard: index, failures: slot.failures, reason }, 'shard failed');
    if (failure.deterministic) {
      this.#failTable(t, `shard ${index}: ${reason}`);
      return;
    }
    if (slot.failures >= max) {
      this.#failTable(t, `shard ${index} failed ${slot.failures} times in a row; last: ${reason}`);
      return;
    }
    slot.notBefore = Date.now() + Math.min(30_000, 250 * 2 ** slot.failures);
  }

  /**
   * The table takes no more rows: its checkpoints stop, its shards are revoked (their producers'
   * streams end), and its routing answers FAILED_PRECONDITION with `reason`, which producers
   * fail with.
   */
  #failTable(t: TableRunner, reason: string): void {
    t.failure = reason;
    t.close();
    this.#log.error({ table: t.table.name, reason }, 'table failed');
    for (const x of t.shards) {
      if (x.workerId === '') continue;
      this.#send(x.workerId, {
        kind: { $case: 'revokeShard', value: { tableId: t.table.id, shard: x.index, epoch: x.epoch } },
      });
      x.status = 'unassigned';
      x.workerId = '';
    }
  }

  // ── placement ──────────────────────────────────────────────────────────────────────────────

  #place(): void {
    if (this.#closed || !this.#settled) return;
    if (this.#placing) {
      this.#again = true;
      return;
    }
    this.#placing = true;
    void this.#placeOnce()
      .catch((err) => this.#log.error({ err }, 'placement failed'))
      .finally(() => {
        this.#placing = false;
        if (this.#again) {
          this.#again = false;
          this.#place();
        }
      });
  }

  async #placeOnce(): Promise<void> {
    const live = [...this.#sessions.keys()];
    const units: string[] = [];
    const current = new Map<string, string>();
    for (const t of this.#tables.values()) {
      if (t.failure !== null) continue;
      for (const s of t.shards) {
        const unit = `${t.table.id}/${s.index}`;
        units.push(unit);
        if (s.status !== 'unassigned') current.set(unit, s.workerId);
      }
    }
    const { target, moves } = place({ units, workers: live, current });
    for (const m of moves) {
      const [tableId, index] = splitUnit(m.unit);
      const t = this.#tables.get(tableId)!;
      const slot = t.shards[index];
      if (slot.status !== 'running' && slot.status !== 'assigning') continue;
      slot.status = 'revoking';
      slot.revokedAt = Date.now();
      t.placementChanged();
      this.#send(slot.workerId, {
        kind: { $case: 'revokeShard', value: { tableId, shard: index, epoch: slot.epoch } },
      });
    }
    const now = Date.now();
    let retryAt = Number.POSITIVE_INFINITY;
    for (const [unit, workerId] of target) {
      const [tableId, index] = splitUnit(unit);
      const t = this.#tables.get(tableId);
      const slot = t?.shards[index];
      if (t === undefined || slot === undefined || slot.status !== 'unassigned') continue;
      if (slot.notBefore > now) {
        retryAt = Math.min(retryAt, slot.notBefore);
        continue;
      }
      const epoch = await this.#o.store.nextEpoch();
      if (slot.status !== 'unassigned' || !this.#sessions.has(workerId) || this.#tables.get(tableId) !== t)
        continue;
      Object.assign(slot, { status: 'assigning', workerId, epoch });
      t.placementChanged();
      this.#send(workerId, {
        kind: {
          $case: 'assignShard',
          value: {
            tableId,
            tableName: t.table.name,
            shard: index,
            shards: t.table.shards,
            epoch,
            definition: { model: t.table.model },
            position: t.positionOf(index),
          },
        },
      });
    }
    await this.#placePipelines(live);
    if (retryAt !== Number.POSITIVE_INFINITY) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#place(), retryAt - now + 5);
      this.#retryTimer.unref();
    }
  }

  async #placePipelines(live: string[]): Promise<void> {
    if (live.length === 0) return;
    const load = new Map(live.map((w) => [w, 0]));
    for (const p of this.#pipelines.values()) {
      const w = p.record.workerId;
      if (load.has(w)) load.set(w, load.get(w)! + 1);
    }
    for (const p of this.#pipelines.values()) {
      if (!p.unplaced) continue;
      const worker = [...load].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0][0];
      const generation = await this.#o.store.nextEpoch();
      if (!p.unplaced || !this.#sessions.has(worker)) continue;
      load.set(worker, load.get(worker)! + 1);
      await p.set({ workerId: worker, generation });
      this.#send(worker, {
        kind: {
          $case: 'assignPipeline',
          value: {
            pipelineId: p.record.id,
            spec: p.record.spec as never,
            checkpointDir: p.record.spec.checkpoint.dir,
            generation,
            state: this.#o.stateUrl ?? '',
            stateScope: this.#o.stateUrl === undefined ? '' : `pipelines/${p.record.id}`,
          },
        },
      });
    }
  }

  async #addTable(t: TableRecord): Promise<void> {
    if (this.#tables.has(t.id)) return;
    const runner = new TableRunner({
      table: t,
      checkpoints: this.#o.state.job(`tables/${t.id}`, { keep: 3 }),
      intervalMs: this.#o.checkpointIntervalMs ?? 1_000,
      barrierTimeoutMs: this.#o.barrierTimeoutMs ?? 30_000,
      send: (w, msg) => this.#send(w, msg),
      addressOf: (w) => this.#sessions.get(w)?.hello.ingestAddress ?? '',
      logger: this.#log,
    });
    this.#tables.set(t.id, runner);
    await runner.open();
  }

  #pipelineRunner(p: PipelineRecord): PipelineRunner {
    let r = this.#pipelines.get(p.id);
    if (r === undefined) {
      r = new PipelineRunner(p, (patch) => this.#o.store.updatePipeline(p.id, patch));
      this.#pipelines.set(p.id, r);
    }
    return r;
  }

  #pipeline(id: string): PipelineRunner {
    const r = this.#pipelines.get(id);
    if (r === undefined) throw new LaminarError('ERR_NOT_FOUND', `pipeline ${id} not found`);
    return r;
  }
}

function splitUnit(unit: string): [string, number] {
  const i = unit.lastIndexOf('/');
  return [unit.slice(0, i), Number(unit.slice(i + 1))];
}
