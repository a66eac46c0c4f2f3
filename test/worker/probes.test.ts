import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { findFreePort } from '../../src/dev/free-port.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { startWorker, type WorkerHandle } from '../../src/worker/worker.js';
import { buildCli } from '../support/job-process.js';
import { plainRequest as get } from '../support/plain-http.js';
import { type Spawned, spawnCli } from '../support/runtime-processes.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * A worker's probes, on its `metricsPort` server: `/healthz` always, `/readyz` only while it is
 * registered with its coordinator — not before the coordinator answers, not after it is gone —
 * both without the token that `/metrics` needs, and saying nothing but `ok` or the reason.
 */

const TOKEN = 'worker-probe-t0ken';
let dir: string;
const running: Array<{ stop(): Promise<void> }> = [];
const spawned: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-worker-probes-'));
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
async function coordinator(grpcPort = 0): Promise<CoordinatorHandle> {
  const c = await startCoordinator({
    dataDir: join(dir, `c${n++}`),
    grpcPort,
    httpPort: null,
    token: TOKEN,
    heartbeatTimeoutMs: 2_000,
    logger: recordingLogger().logger,
  });
  running.push(c);
  return c;
}

async function worker(coordinatorAddress: string): Promise<WorkerHandle> {
  const w = await startWorker({
    coordinator: coordinatorAddress,
    token: TOKEN,
    metricsPort: 0,
    maxReconnectDelayMs: 200,
    logger: recordingLogger().logger,
  });
  running.push(w);
  return w;
}

const readyz = async (w: WorkerHandle) => get(w.metricsAddress as string, READY_PATH);

describe('worker probes', () => {
  it('worker probes — not ready until its coordinator answers, ready once registered, not ready when it is gone', async () => {
    const port = await findFreePort();
    const w = await worker(`127.0.0.1:${port}`);

    const before = await readyz(w);
    expect(before.status).toBe(503);
    expect(before.text).toBe('not ready: not registered with the coordinator\n');
    expect(w.ready()).toEqual({ ok: false, reason: 'not registered with the coordinator' });
    // Alive all the same: a restart would not bring the coordinator back.
    expect(await get(w.metricsAddress as string, HEALTH_PATH)).toMatchObject({ status: 200, text: 'ok\n' });

    const c = await coordinator(port);
    await w.registered;
    const registered = await until(
      '/readyz ok',
      () => readyz(w),
      (r) => r.status === 200,
    );
    expect(registered.text).toBe('ok\n');

    await c.stop();
    running.splice(running.indexOf(c), 1);
    const gone = await until(
      '/readyz not ready',
      () => readyz(w),
      (r) => r.status === 503,
    );
    expect(gone.text).toBe('not ready: not registered with the coordinator\n');
  });

  it('worker probes — no token needed, while /metrics keeps it; nothing secret in the answers', async () => {
    const c = await coordinator();
    const w = await worker(c.grpcAddress);
    await w.registered;
    const address = w.metricsAddress as string;
    expect((await get(address, '/metrics')).status).toBe(401);
    expect((await get(address, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
    for (const path of [HEALTH_PATH, READY_PATH]) {
      const r = await until(
        path,
        () => get(address, path),
        (a) => a.status === 200,
      );
      expect(r.text).toBe('ok\n');
      const all = `${r.text}${JSON.stringify(r.headers)}`;
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain(c.grpcAddress);
    }
    expect((await get(address, '/nothing')).status).toBe(404);
  });

  it('worker probes — a worker whose token the coordinator refused says so, and not the token', async () => {
    const c = await coordinator();
    const w = await startWorker({
      coordinator: c.grpcAddress,
      token: 'not-the-right-token',
      metricsPort: 0,
      logger: recordingLogger().logger,
    });
    running.push(w);
    const r = await until(
      '/readyz refused',
      () => readyz(w),
      (a) => a.text.includes('refused'),
    );
    expect(r).toMatchObject({
      status: 503,
      text: 'not ready: the coordinator refused the token; not retrying\n',
    });
    expect(r.text).not.toContain('not-the-right-token');
    expect(r.text).not.toContain(TOKEN);
  });

  it('worker probes — a stopping worker is not ready', async () => {
    const c = await coordinator();
    const w = await worker(c.grpcAddress);
    await w.registered;
    const stopped = w.stop();
    expect(w.ready()).toEqual({ ok: false, reason: 'stopping' });
    await stopped;
  });

  it('worker probes — `laminar-redis worker --metrics-port` serves them', async () => {
    const c = await coordinator();
    const p = await spawnCli(['worker', '--coordinator', c.grpcAddress, '--metrics-port', '0'], {
      LAMINAR_API_TOKEN: TOKEN,
    });
    spawned.push(p);
    const address = p.info.metrics as string;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await get(address, HEALTH_PATH)).text).toBe('ok\n');
    const ready = await until(
      '/readyz ok',
      () => get(address, READY_PATH),
      (r) => r.status === 200,
    );
    expect(ready.text).toBe('ok\n');
  });
});
