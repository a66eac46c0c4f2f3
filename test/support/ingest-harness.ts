/**
 * Producer tests without a coordinator or Redis: a Control server answering only GetTableRouting,
 * and worker stand-ins serving the real Ingest service over shards whose IngestSources are drained
 * by a small loop that "commits" what it read (recording rows, then telling the reader and the
 * commit listeners, as a worker does after a recorded checkpoint).
 */
import { createServer, connect as netConnect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { IngestSource } from '../../src/dataflow/sources/ingest.js';
import type { SourcePosition, SourceReader } from '../../src/dataflow/sources/source.js';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { PayloadRow } from '../../src/sink/encoded-row.js';
import type { SinkTable } from '../../src/sink/model.js';
import type { Row } from '../../src/sink/row-encoder.js';
import { checkGrpcAuth } from '../../src/wire/auth.js';
import { ControlService } from '../../src/wire/gen/laminar/redis/v1/control.js';
import {
  IngestClient,
  IngestService,
  type WriteRequest,
  type WriteResponse,
} from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import type { TableRouting } from '../../src/wire/gen/laminar/redis/v1/resources.js';
import { bindServer } from '../../src/wire/grpc-util.js';
import type { HostedShard, ShardDirectory, ShardRouter } from '../../src/worker/hosted-shard.js';
import { createIngestService } from '../../src/worker/ingest-service.js';
import { until as waitUntil } from './until.js';

export const silent = pino({ level: 'silent' });

/** A string table keyed by `id`; nothing ever connects to its address. */
export function eventsModel(name = 'events'): SinkTable {
  return defineTable({
    name,
    profile: { name: 'p', connection: { kind: 'standalone', address: 'redis://127.0.0.1:1' } },
    target: { type: 'string', keyPrefix: 'ev:', keyColumn: 'id' },
  });
}

/** A routing answer with every shard unassigned; tests fill `routes[j]`. */
export function routingOf(tableId: string, model: SinkTable, shards: number): TableRouting {
  return {
    tableId,
    tableName: model.name,
    shards,
    routes: Array.from({ length: shards }, (_, j) => ({
      shard: j,
      firstSlot: 0,
      lastSlot: 0,
      workerId: '',
      ingestAddress: '',
      epoch: 0,
    })),
    model: JSON.parse(JSON.stringify(model)),
  };
}

/** A Control server implementing GetTableRouting only; every other method is UNIMPLEMENTED. */
export async function startControl(opts: {
  routing: () => TableRouting | undefined;
  token?: string;
  /** When it returns a status, GetTableRouting answers with it (a failed table: FAILED_PRECONDITION). */
  refuse?: () => { code: grpc.status; details: string } | undefined;
}): Promise<{ address: string; calls: number; close(): void }> {
  const state = { address: '', calls: 0, close: () => server.forceShutdown() };
  const server = new grpc.Server();
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(ControlService)) {
    impl[name] = def.responseStream
      ? (call: grpc.ServerWritableStream<unknown, unknown>) =>
          call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented` })
      : (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
          cb({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented` });
  }
  impl.getTableRouting = (
    call: grpc.ServerUnaryCall<{ id: string }, TableRouting>,
    cb: grpc.sendUnaryData<TableRouting>,
  ) => {
    state.calls++;
    try {
      checkGrpcAuth(opts.token, call.metadata);
    } catch (err) {
      cb({ code: grpc.status.UNAUTHENTICATED, details: (err as Error).message });
      return;
    }
    const refused = opts.refuse?.();
    if (refused !== undefined) {
      cb(refused);
      return;
    }
    const r = opts.routing();
    if (r === undefined || (call.request.id !== r.tableId && call.request.id !== r.tableName)) {
      cb({ code: grpc.status.NOT_FOUND, details: `connection table '${call.request.id}' not found` });
      return;
    }
    cb(null, r);
  };
  server.addService(ControlService, impl);
  const port = await bindServer(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure());
  state.address = `127.0.0.1:${port}`;
  return state;
}

/** A committed row with its source position. */
export interface CommittedRow {
  partition: string;
  offset: number;
  row: Row;
  /** The row's kind as the source read it (0, an insert, for a batch without kinds). */
  kind: number;
}

/**
 * The row a committed row stands for: a keyed row's value parsed as JSON (tables of these tests
 * are json), any other row as it is.
 */
export function rowOf(r: CommittedRow): Record<string, unknown> {
  return r.row instanceof PayloadRow ? JSON.parse(String(r.row.value)) : (r.row as Record<string, unknown>);
}

/**
 * A hosted shard whose IngestSource is drained by a loop: each read is recorded, then committed
 * (the reader's `committed(position)` and the commit listeners) unless commits are held.
 */
export class TestShard implements HostedShard {
  readonly tableId: string;
  readonly tableName: string;
  readonly shard: number;
  readonly shards: number;
  readonly epoch: number;
  readonly ingest: IngestSource;
  readonly ended: Promise<void>;
  /** Takes keyed batches, as a table shard does (tests of pipeline sources set it false). */
  keyedRows = true;
  /** Checks each row's shard, as a table shard does (none by default). */
  readonly router: ShardRouter | undefined;
  /** Checkpoints asked for by write sessions (producers' flushes). */
  checkpointRequests = 0;
  /** Called on each checkpoint request (say, to commit at once). */
  onCheckpointRequest: (() => void) | null = null;
  /** Rows covered by a commit, in commit order. */
  readonly committed: CommittedRow[] = [];
  /** Rows read, not yet committed. */
  pending: CommittedRow[] = [];
  /** Position of the last commit (what a moved shard restores). */
  lastCommitted: SourcePosition | undefined;
  /** Rows taken in by `ingest.push` (accepted pushes). */
  pushedRows = 0;
  /** Read but do not commit. */
  holdCommits = false;
  /** Commit without telling the listeners (the producer gets no ack for it). */
  silentCommits = false;
  readonly #listeners = new Set<() => void>();
  readonly #stop = new AbortController();
  #end!: () => void;
  #reader: SourceReader | undefined;
  #paused: Promise<void> | null = null;
  #unpause: (() => void) | null = null;
  #loop: Promise<void> | undefined;

  constructor(o: {
    tableId: string;
    tableName: string;
    shard: number;
    shards: number;
    epoch?: number;
    bufferRows?: number;
    router?: ShardRouter;
  }) {
    this.tableId = o.tableId;
    this.tableName = o.tableName;
    this.shard = o.shard;
    this.shards = o.shards;
    this.epoch = o.epoch ?? 1;
    this.router = o.router;
    this.ingest = new IngestSource(`${o.tableName}#${o.shard}`, { bufferRows: o.bufferRows });
    this.ended = new Promise((resolve) => (this.#end = resolve));
    const push = this.ingest.push.bind(this.ingest);
    this.ingest.push = async (producer, seq, rows, kinds) => {
      const r = await push(producer, seq, rows, kinds);
      if (r.accepted) this.pushedRows += rows.length;
      return r;
    };
  }

  /** Opens the source (at `restored`, from a previous host's last commit) and starts draining. */
  async start(restored?: SourcePosition): Promise<this> {
    const [reader] = await this.ingest.open(restored === undefined ? {} : { [this.ingest.name]: restored });
    this.#reader = reader;
    this.#loop = this.#drain(reader);
    return this;
  }

  onCommitted(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  requestCheckpoint(): void {
    this.checkpointRequests++;
    this.onCheckpointRequest?.();
  }

  /** Stops reading and committing (the source's buffer fills, producers' pushes wait). */
  pause(): void {
    this.#paused ??= new Promise((resolve) => (this.#unpause = resolve));
  }

  resume(): void {
    this.#unpause?.();
    this.#paused = this.#unpause = null;
  }

  /** Commits what was read: records it, tells the reader and (unless silent) the listeners. */
  commit(): void {
    const reader = this.#reader!;
    const pos = reader.position();
    this.committed.push(...this.pending);
    this.pending = [];
    this.lastCommitted = pos;
    reader.committed?.(pos);
    if (!this.silentCommits) for (const l of this.#listeners) l();
  }

  /** Stops hosting: the drain loop ends, the source is closed, `ended` resolves. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.resume();
    await this.#reader?.close();
    await this.#loop;
    this.#listeners.clear();
    this.#end();
  }

  async #drain(reader: SourceReader): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      if (this.#paused !== null) await this.#paused;
      if (signal.aborted) return;
      let batch: Awaited<ReturnType<SourceReader['read']>>;
      try {
        batch = await reader.read(100, signal);
      } catch {
        return;
      }
      if (batch === null || signal.aborted) return;
      // A read in flight when pause() came holds its rows until resume(): nothing is acked meanwhile.
      if (this.#paused !== null) await this.#paused;
      if (signal.aborted) return;
      for (let i = 0; i < batch.rows.length; i++) {
        const partition = typeof batch.partition === 'string' ? batch.partition : batch.partition[i];
        const kind = batch.kinds === undefined ? 0 : batch.kinds[i];
        this.pending.push({ partition, offset: batch.offsets[i], row: batch.rows[i], kind });
      }
      if (!this.holdCommits && batch.rows.length > 0) this.commit();
    }
  }
}

/** A worker stand-in: a gRPC server with the real Ingest service over its TestShards. */
export class TestWorker implements ShardDirectory {
  readonly id: string;
  readonly server = new grpc.Server();
  address = '';
  readonly shards = new Map<string, TestShard>();

  constructor(id: string) {
    this.id = id;
  }

  static async start(id: string, token?: string): Promise<TestWorker> {
    const w = new TestWorker(id);
    w.server.addService(IngestService, createIngestService(w, { logger: silent, token }));
    const port = await bindServer(w.server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure());
    w.address = `127.0.0.1:${port}`;
    return w;
  }

  get(tableId: string, shard: number): HostedShard | undefined {
    return this.shards.get(`${tableId}#${shard}`);
  }

  host(shard: TestShard): TestShard {
    this.shards.set(`${shard.tableId}#${shard.shard}`, shard);
    return shard;
  }

  /** Revokes a shard: no longer in the directory, then stopped (its streams end UNAVAILABLE). */
  async revoke(shard: TestShard): Promise<void> {
    this.shards.delete(`${shard.tableId}#${shard.shard}`);
    await shard.stop();
  }

  /** The process dies: connections reset at once, shards stop. */
  async kill(): Promise<void> {
    this.server.forceShutdown();
    for (const s of this.shards.values()) await s.stop();
  }

  async close(): Promise<void> {
    this.server.forceShutdown();
    for (const s of this.shards.values()) await s.stop();
  }
}

/** A TCP proxy to `target` whose connections can be cut (a network blip). */
export async function startProxy(target: string): Promise<{ address: string; cut(): void; close(): void }> {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(port, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', done);
      s.on('close', done);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: bound } = server.address() as { port: number };
  const cut = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    address: `127.0.0.1:${bound}`,
    cut,
    close: () => {
      cut();
      server.close();
    },
  };
}

/** The outcome of a hand-written Write stream. */
export interface RawWriteResult {
  responses: WriteResponse[];
  code: number;
  details: string;
}

/**
 * Sends `messages` on one Write stream (then half-closes) and resolves with what came back and
 * the final status.
 */
export function rawWrite(
  address: string,
  messages: WriteRequest[],
  metadata = new grpc.Metadata(),
): Promise<RawWriteResult> {
  const client = new IngestClient(address, grpc.credentials.createInsecure());
  const call = client.write(metadata);
  const responses: WriteResponse[] = [];
  return new Promise((resolve) => {
    call.on('data', (m: WriteResponse) => responses.push(m));
    call.on('error', () => {});
    call.on('status', (s: grpc.StatusObject) => {
      client.close();
      resolve({ responses, code: s.code, details: s.details });
    });
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Resolves when `cond()` holds (polling), or rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  await waitUntil(what, cond, Boolean, timeoutMs, 10);
}

/** True when `p` is still pending after `ms`. */
export async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}
