import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { startWorker, type WorkerHandle } from '../../src/worker/worker.js';
import { buildCli } from '../support/job-process.js';
import { type Spawned, spawnWorker } from '../support/runtime-processes.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * Worker liveness: a stalled worker (or a stalled coordinator) is not declared lost for a stall
 * shorter than the heartbeat timeout, time the coordinator's own event loop was stalled does not
 * count at all, and a killed worker is lost at once through its closed stream.
 */

let dir: string;
const running: Array<{ stop(): Promise<void> }> = [];
const spawned: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-liveness-'));
  await buildCli();
}, 120_000);

afterEach(async () => {
  for (const p of spawned.splice(0)) {
    p.child.kill('SIGCONT');
    await p.kill('SIGKILL');
  }
  for (const r of running.splice(0).reverse()) await r.stop();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function coordinator(options: { heartbeatTimeoutMs?: number } = {}) {
  const log = recordingLogger();
  const c = await startCoordinator({
    dataDir: join(dir, `c${n++}`),
    grpcPort: 0,
    httpPort: null,
    logger: log.logger,
    ...options,
  });
  running.push(c);
  return { c, lines: log.lines };
}

const workers = (c: CoordinatorHandle) => c.plane.listWorkers();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `reason` of every "worker lost" log line. */
function lostReasons(lines: string[]): string[] {
  return lines
    .map((l) => JSON.parse(l) as { msg?: string; reason?: string })
    .filter((l) => l.msg?.startsWith('worker lost'))
    .map((l) => l.reason ?? '');
}

describe('worker liveness', () => {
  it('liveness — a stall of this process longer than the timeout loses no in-process worker', async () => {
    const { c, lines } = await coordinator({ heartbeatTimeoutMs: 3_000 });
    const w: WorkerHandle = await startWorker({ coordinator: c.grpcAddress, name: 'inproc' });
    running.push(w);
    const id = await w.registered;
    // Blocks the event loop the coordinator and the worker share: no heartbeat is sent or read,
    // and no heartbeat check runs, for longer than the timeout.
    const end = Date.now() + 4_500;
    while (Date.now() < end) {
      /* busy */
    }
    // Several heartbeat checks run after the stall.
    await sleep(2_000);
    expect(lostReasons(lines)).toEqual([]);
    expect((await workers(c)).map((x) => [x.id, x.state])).toEqual([[id, 'ready']]);
    expect(w.id).toBe(id);
  }, 60_000);

  it('liveness — a worker process stopped for 4.5 s is not lost under the default timeout; killed, it is lost at once', async () => {
    const { c, lines } = await coordinator();
    const p = await spawnWorker(c.grpcAddress, 'paused');
    spawned.push(p);
    const [first] = await until(
      'the worker registered',
      () => workers(c),
      (ws) => ws.length === 1,
    );
    p.child.kill('SIGSTOP');
    await sleep(4_500);
    p.child.kill('SIGCONT');
    await sleep(1_500);
    expect(lostReasons(lines)).toEqual([]);
    expect((await workers(c)).map((x) => [x.id, x.state])).toEqual([[first.id, 'ready']]);

    await p.kill('SIGKILL');
    await until(
      'the killed worker is lost',
      () => workers(c),
      (ws) => ws[0]?.state === 'lost',
    );
    // Through its closed stream, not after the heartbeat timeout.
    expect(lostReasons(lines)).toHaveLength(1);
    expect(lostReasons(lines)[0]).toMatch(/^stream /);
  }, 60_000);

  it('liveness — a worker silent for longer than the timeout is lost', async () => {
    const { c, lines } = await coordinator({ heartbeatTimeoutMs: 2_000 });
    const p = await spawnWorker(c.grpcAddress, 'frozen');
    spawned.push(p);
    await until(
      'the worker registered',
      () => workers(c),
      (ws) => ws.length === 1,
    );
    p.child.kill('SIGSTOP');
    await until(
      'the silent worker is lost',
      () => workers(c),
      (ws) => ws[0]?.state === 'lost',
    );
    expect(lostReasons(lines)).toEqual(['missed heartbeats']);
  }, 60_000);
});
