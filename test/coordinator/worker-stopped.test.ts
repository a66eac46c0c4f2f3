import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { ControlClient, type ListWorkersResponse } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { WorkerState } from '../../src/wire/gen/laminar/redis/v1/resources.js';
import { startWorker } from '../../src/worker/worker.js';
import { buildCli } from '../support/job-process.js';
import { type Spawned, spawnWorker } from '../support/runtime-processes.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * A worker that stops on purpose (its stop(), SIGTERM) ends its session stream: the coordinator
 * lists it as `stopped`, without the warning a lost worker is worth.
 */

let dir: string;
const running: Array<{ stop(): Promise<void> }> = [];
const spawned: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-worker-stopped-'));
  await buildCli();
}, 120_000);

afterEach(async () => {
  for (const p of spawned.splice(0)) await p.kill('SIGKILL');
  for (const r of running.splice(0).reverse()) await r.stop();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function coordinator() {
  const log = recordingLogger();
  const c = await startCoordinator({
    dataDir: join(dir, `c${n++}`),
    grpcPort: 0,
    httpPort: 0,
    logger: log.logger,
  });
  running.push(c);
  const messages = () =>
    log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; worker?: string });
  return { c, messages };
}

const workers = (c: CoordinatorHandle) => c.plane.listWorkers();

/** ListWorkers over gRPC, as a client of the Control service sees it. */
async function grpcWorkers(c: CoordinatorHandle): Promise<ListWorkersResponse> {
  const client = new ControlClient(c.grpcAddress, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) =>
      client.listWorkers({}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  } finally {
    client.close();
  }
}

describe('worker stopped on purpose', () => {
  it('worker state — a worker whose stop() ends its session is listed as stopped, with no warning', async () => {
    const { c, messages } = await coordinator();
    const w = await startWorker({ coordinator: c.grpcAddress, name: 'leaving' });
    const id = await w.registered;
    await w.stop();
    const [gone] = await until(
      'the worker is no longer ready',
      () => workers(c),
      (ws) => ws.length === 1 && ws[0].state !== 'ready',
    );
    expect(gone).toMatchObject({ id, state: 'stopped', shards: [], pipelines: [] });
    const about = messages().filter((m) => m.worker === id);
    expect(about.map((m) => m.msg)).toEqual([
      'worker registered',
      'worker stopped; moving its shards and pipelines',
    ]);
    // pino levels: 40 is warn.
    expect(messages().filter((m) => m.level >= 40)).toEqual([]);
    expect((await grpcWorkers(c)).data).toMatchObject([{ id, state: WorkerState.WORKER_STATE_STOPPED }]);
  }, 60_000);

  it('worker state — SIGTERM on a worker process: stopped over HTTP; a killed one is still lost', async () => {
    const { c, messages } = await coordinator();
    const polite = await spawnWorker(c.grpcAddress, 'polite');
    spawned.push(polite);
    const killed = await spawnWorker(c.grpcAddress, 'killed');
    spawned.push(killed);
    const http = async () =>
      (
        (await (await fetch(`http://${c.httpAddress}/v1/workers`)).json()) as {
          data: Array<{ id: string; state: string }>;
        }
      ).data;
    await until('both workers registered', http, (ws) => ws.filter((w) => w.state === 'ready').length === 2);
    await polite.kill('SIGTERM');
    expect(polite.child.exitCode).toBe(0);
    await killed.kill('SIGKILL');
    const ws = await until('both workers gone', http, (ws) => ws.every((w) => w.state !== 'ready'));
    const stateOf = (name: string) => ws.find((w) => w.id.endsWith(`-${name}`))?.state;
    expect([stateOf('polite'), stateOf('killed')]).toEqual(['stopped', 'lost']);
    const warnings = messages().filter((m) => m.level >= 40);
    expect(warnings.map((m) => [m.msg, m.worker])).toEqual([
      ['worker lost; moving its shards and pipelines', ws.find((w) => w.id.endsWith('-killed'))?.id],
    ]);
  }, 60_000);
});
