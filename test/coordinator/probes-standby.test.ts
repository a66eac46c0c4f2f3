import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { plainRequest as get } from '../support/plain-http.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * Two coordinators on one Redis state store, as the Kubernetes manifests run them: the second
 * waits for the lease, and meanwhile answers its probes on its HTTP port — alive, not ready —
 * so the kubelet keeps it as a standby instead of restarting it; it is ready once it took over.
 */

let dir: string;
let redis: RedisServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-standby-'));
  redis = await startRedis();
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function coordinator(name: string, httpPort: number): Promise<CoordinatorHandle> {
  return startCoordinator({
    dataDir: join(dir, name),
    state: `${redis.url}?store=standby`,
    leaseTtlMs: 1_000,
    grpcPort: 0,
    httpPort,
    logger: recordingLogger().logger,
  });
}

describe('coordinator probes on a standby', () => {
  it('standby — alive and not ready while another coordinator holds the lease, ready once it took over', async () => {
    const first = await coordinator('a', 0);
    let firstStopped = false;
    let second: CoordinatorHandle | undefined;
    try {
      expect((await get(first.httpAddress as string, READY_PATH)).status).toBe(200);
      const port = await findFreePort();
      const starting = coordinator('b', port);
      starting.then((c) => (second = c)).catch(() => {});
      const address = `127.0.0.1:${port}`;

      const health = await until(
        'standby /healthz',
        () => get(address, HEALTH_PATH).catch(() => undefined),
        Boolean,
      );
      expect(health).toMatchObject({ status: 200, text: 'ok\n' });
      const ready = await get(address, READY_PATH);
      expect(ready.status).toBe(503);
      expect(ready.text).toBe('not ready: standby: waiting for the state store lease\n');
      expect(ready.text).not.toContain(String(redis.port));
      expect(second).toBeUndefined();

      await first.stop();
      firstStopped = true;
      second = await starting;
      expect(second.httpAddress).toBe(address);
      expect(
        await until(
          '/readyz ok',
          () => get(address, READY_PATH),
          (r) => r.status === 200,
        ),
      ).toMatchObject({
        text: 'ok\n',
      });
    } finally {
      if (!firstStopped) await first.stop();
      await second?.stop();
    }
  });
});
