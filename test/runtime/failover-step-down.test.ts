import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../../src/coordinator/coordinator.js';
import { createClient } from '../../src/resp/client.js';
import { startWorker } from '../../src/worker/worker.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

/**
 * A coordinator that finds its lease taken steps down: it stops leading (its worker sessions end,
 * its gRPC server closes, so workers go to the new leader) and says so through `steppedDown`,
 * its HTTP API answering 503 on /readyz until it stops.
 */
describe('coordinator failover — a leader that lost its lease steps down', () => {
  let redis: RedisServer;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'laminar-stepdown-'));
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('workers move to the coordinator that took the lease over', async () => {
    const state = `${redis.url}?store=stepdown`;
    const old = await startCoordinator({
      dataDir: join(dir, 'a'),
      state,
      grpcPort: 0,
      httpPort: 0,
      leaseTtlMs: 600,
    });
    let stepped = false;
    void old.steppedDown.then(() => {
      stepped = true;
    });
    // The successor's port is known before it listens: the worker is given both from the start.
    const successorPort = await findFreePort();
    const worker = await startWorker({
      coordinator: `${old.grpcAddress},127.0.0.1:${successorPort}`,
      port: 0,
    });
    await until(
      'the worker registered with the leader',
      async () => (await old.plane.listWorkers()).filter((w) => w.state === 'ready').length,
      (n) => n === 1,
    );
    // The lease taken from under it, as when it was paused past its TTL: a successor gets it.
    const client = await createClient(redis.url);
    await client.send(['DEL', '{laminar-state:stepdown}:lease']);
    await client.close();
    const successor = await startCoordinator({
      dataDir: join(dir, 'b'),
      state,
      grpcPort: successorPort,
      httpPort: null,
      leaseTtlMs: 600,
    });
    try {
      await old.steppedDown;
      expect(stepped).toBe(true);
      const readyz = await fetch(`http://${old.httpAddress}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.text()).toContain('lost the state store lease');
      // The worker found the leader: the old coordinator serves no gRPC any more.
      const ready = await until(
        'the worker registered with the successor',
        async () => (await successor.plane.listWorkers()).filter((w) => w.state === 'ready').length,
        (n) => n === 1,
      );
      expect(ready).toBe(1);
    } finally {
      await worker.stop();
      await old.stop();
      await successor.stop();
    }
  }, 60_000);
});
