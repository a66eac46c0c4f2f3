import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../../src/coordinator/coordinator.js';
import { createClient } from '../../src/resp/client.js';
import { startWorker } from '../../src/worker/worker.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/** The coordinator over a Redis state store: metadata kept there, and workers bound to one store. */
describe('coordinator — Redis state store', () => {
  let redis: RedisServer;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'laminar-cstate-'));
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('state store — metadata lives in Redis: a coordinator with a fresh data directory finds it', async () => {
    const state = `${redis.url}?store=meta`;
    const first = await startCoordinator({ dataDir: join(dir, 'm1'), state, grpcPort: 0, httpPort: null });
    await first.plane.createProfile({
      name: 'kept',
      connector: 'redis',
      config: { connection: { address: redis.url }, password: 'pw-not-in-logs' },
    });
    const id = first.stateId;
    await first.stop();
    const rec = recordingLogger();
    const second = await startCoordinator({
      dataDir: join(dir, 'm2'),
      state: `redis://127.0.0.1:${redis.port}?store=meta`,
      grpcPort: 0,
      httpPort: null,
      logger: rec.logger,
      leaseTtlMs: 2_000,
    });
    try {
      expect(second.stateId).toBe(id);
      expect((await second.plane.listProfiles()).map((p) => p.name)).toEqual(['kept']);
      expect(rec.lines.join('')).toContain('coordinator started');
      expect(rec.lines.join('')).not.toContain('pw-not-in-logs');
    } finally {
      await second.stop();
    }
  });

  it('bad input — a coordinator refuses a store of a newer format and leaves it as it is', async () => {
    const client = await createClient(redis.url);
    try {
      await client.send(['SET', '{laminar-state:newer}:format', '2']);
      await client.send(['SET', '{laminar-state:newer}:meta', '{"from":"the future"}']);
      const err = await startCoordinator({
        dataDir: join(dir, 'newer'),
        state: `${redis.url}?store=newer`,
        grpcPort: 0,
        httpPort: null,
      }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'ERR_STATE_VERSION', found: '2' });
      expect((err as Error).message).toContain('neither reads nor overwrites');
      expect(String(await client.send(['GET', '{laminar-state:newer}:meta']))).toBe('{"from":"the future"}');
      expect(String(await client.send(['GET', '{laminar-state:newer}:format']))).toBe('2');
      expect(await client.send(['EXISTS', '{laminar-state:newer}:lease'])).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('bad input — a worker of one state store refuses a coordinator of another on the same address', async () => {
    const port = await findFreePort();
    const a = await startCoordinator({
      dataDir: join(dir, 'a'),
      state: `${redis.url}?store=one`,
      grpcPort: port,
      httpPort: null,
    });
    const rec = recordingLogger();
    const worker = await startWorker({
      coordinator: `127.0.0.1:${port}`,
      name: 'shared',
      logger: rec.logger,
    });
    let b: Awaited<ReturnType<typeof startCoordinator>> | undefined;
    try {
      await worker.registered;
      expect((await a.plane.listWorkers()).map((w) => w.id)).toEqual([worker.id]);
      await a.stop();
      b = await startCoordinator({
        dataDir: join(dir, 'b'),
        state: `${redis.url}?store=two`,
        grpcPort: port,
        httpPort: null,
      });
      expect(b.stateId).not.toBe(a.stateId);
      await until(
        'the worker refused the coordinator',
        async () => rec.lines.join(''),
        (text) => text.includes('ERR_STATE_MISMATCH'),
      );
      expect(rec.lines.join('')).toContain('refusing a coordinator of another state store');
      // It does not register again: the second coordinator keeps no ready worker.
      await new Promise((r) => setTimeout(r, 500));
      expect((await b.plane.listWorkers()).filter((w) => w.state === 'ready')).toEqual([]);
    } finally {
      await worker.stop();
      await b?.stop();
    }
  });
});

describe('coordinator — standby on a Redis state store', () => {
  let redis: RedisServer;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'laminar-standby-w-'));
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('standby — a worker given both addresses follows the coordinator that takes the lease over', async () => {
    const [pa, pb] = [await findFreePort(), await findFreePort()];
    const state = `${redis.url}?store=follow`;
    const options = { state, httpPort: null, leaseTtlMs: 1_000 } as const;
    const a = await startCoordinator({ ...options, dataDir: join(dir, 'a'), grpcPort: pa });
    const starting = startCoordinator({ ...options, dataDir: join(dir, 'b'), grpcPort: pb });
    const worker = await startWorker({ coordinator: `127.0.0.1:${pa}, 127.0.0.1:${pb}`, name: 'follower' });
    let b: Awaited<typeof starting> | undefined;
    try {
      await worker.registered;
      expect((await a.plane.listWorkers()).map((w) => w.state)).toEqual(['ready']);
      // The leader stops (and releases the lease): the standby takes over, the worker follows.
      await a.stop();
      b = await starting;
      expect(b.stateId).toBe(a.stateId);
      const views = await until(
        'the worker registered with the new leader',
        () => b!.plane.listWorkers(),
        (ws) => ws.some((w) => w.state === 'ready'),
        20_000,
      );
      expect(views.filter((w) => w.state === 'ready')).toHaveLength(1);
    } finally {
      await worker.stop();
      await b?.stop();
    }
  }, 40_000);
});

describe('coordinator — lease held', () => {
  it('lease — without standby, a coordinator on a store whose lease is held fails with ERR_STATE_LEASE_HELD', async () => {
    const redis = await startRedis();
    const dir = await mkdtemp(join(tmpdir(), 'laminar-held-'));
    try {
      const state = `${redis.url}?store=held`;
      const a = await startCoordinator({ dataDir: join(dir, 'a'), state, grpcPort: 0, httpPort: null });
      try {
        const err = await startCoordinator({
          dataDir: join(dir, 'b'),
          state,
          grpcPort: 0,
          httpPort: null,
          standby: false,
        }).catch((e: Error) => e);
        expect(err).toMatchObject({ code: 'ERR_STATE_LEASE_HELD' });
      } finally {
        await a.stop();
      }
    } finally {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
