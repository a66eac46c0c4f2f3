/**
 * A RuntimeView for control-plane tests: records what it was told and lets a test script the
 * pipeline lifecycle (state changes are written to the store, as the real runtime does).
 */

import { pino } from 'pino';
import type { MetadataStore } from '../../src/coordinator/metadata-store.js';
import type { PipelineRecord, PipelineStateName, TableRecord } from '../../src/coordinator/records.js';
import type { RuntimeView, ShardRouteView, WorkerView } from '../../src/coordinator/runtime-view.js';
import { LaminarError } from '../../src/errors.js';

export class FakeRuntime implements RuntimeView {
  readonly created: TableRecord[] = [];
  readonly deleted: TableRecord[] = [];
  readonly pipelines: PipelineRecord[] = [];
  readonly stopped: string[] = [];
  readonly checkpoints: string[] = [];
  readonly #watchers = new Map<string, Set<(p: PipelineRecord) => void>>();
  workerList: WorkerView[] = [
    {
      id: 'w1',
      ingestAddress: '127.0.0.1:7001',
      state: 'ready',
      registeredAtMs: 1,
      lastHeartbeatMs: 2,
      shards: ['user_sessions#0'],
      pipelines: [],
    },
  ];

  constructor(private readonly store?: MetadataStore) {}

  tableCreated(table: TableRecord): void {
    this.created.push(table);
  }
  async tableDeleted(table: TableRecord): Promise<void> {
    this.deleted.push(table);
  }
  routing(table: TableRecord): ShardRouteView[] {
    return Array.from({ length: table.shards }, (_, shard) => ({
      shard,
      firstSlot: Math.floor((shard * 16384) / table.shards),
      lastSlot: Math.floor(((shard + 1) * 16384) / table.shards) - 1,
      workerId: 'w1',
      ingestAddress: '127.0.0.1:7001',
      epoch: shard + 1,
    }));
  }
  tableFailure(): string | undefined {
    return undefined;
  }
  sourceRouting(): ShardRouteView[] {
    return [
      { shard: 0, firstSlot: 0, lastSlot: 16383, workerId: 'w1', ingestAddress: '127.0.0.1:7001', epoch: 1 },
    ];
  }
  workers(): WorkerView[] {
    return this.workerList;
  }
  pipelineCreated(pipeline: PipelineRecord): void {
    this.pipelines.push(pipeline);
  }
  async stopPipeline(id: string): Promise<PipelineRecord> {
    this.stopped.push(id);
    return this.setState(id, 'stopped');
  }
  async triggerCheckpoint(id: string): Promise<number> {
    this.checkpoints.push(id);
    if (this.store?.findPipeline(id)?.state === 'recovering') {
      throw new LaminarError('ERR_FAILED_PRECONDITION', 'pipeline is recovering');
    }
    return 7;
  }
  watchPipeline(id: string, onChange: (p: PipelineRecord) => void): () => void {
    let set = this.#watchers.get(id);
    if (set === undefined) this.#watchers.set(id, (set = new Set()));
    set.add(onChange);
    return () => set.delete(onChange);
  }

  /** Watchers currently subscribed to a pipeline. */
  watcherCount(id: string): number {
    return this.#watchers.get(id)?.size ?? 0;
  }

  /** Moves a pipeline to a state in the store and tells the watchers, as the runtime does. */
  async setState(
    id: string,
    state: PipelineStateName,
    patch: Partial<PipelineRecord> = {},
  ): Promise<PipelineRecord> {
    if (this.store === undefined) throw new Error('FakeRuntime: no store');
    const next = await this.store.updatePipeline(id, (p) => ({
      ...p,
      ...patch,
      state,
      updatedAtMs: p.updatedAtMs + 1,
    }));
    for (const w of this.#watchers.get(id) ?? []) w(next);
    return next;
  }
}

/** A logger that drops everything, for tests whose output should stay readable. */
export const quietLogger = pino({ level: 'silent' });
