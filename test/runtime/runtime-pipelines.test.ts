import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../src/cli/runtime.js';
import type { PipelineView } from '../../src/coordinator/control-views.js';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * The runtime in one process (coordinator + embedded workers): pipelines placed on workers,
 * checkpointed on demand, stopped, moved when their worker goes away; and a coordinator restart
 * that keeps profiles, tables and pipelines.
 */
describe('runtime — pipelines and coordinator restarts (embedded workers)', () => {
  let redis: RedisServer;
  let client: RedisClient;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    client = await createClient(redis.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-rt-'));
  });

  afterAll(async () => {
    await client?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (dataDir: string, workers: number, ports?: { grpcPort: number; httpPort: number }) =>
    startRuntime({
      dataDir,
      workers,
      grpcPort: ports?.grpcPort ?? 0,
      httpPort: ports?.httpPort ?? 0,
      checkpointIntervalMs: 100,
      // Checkpoint directories beside the data directories (they outlive a data directory).
      allowedDirs: [dir],
      logger: recordingLogger().logger,
    });

  const spec = (name: string, rows: number, rate?: number) => ({
    name,
    sources: [
      { type: 'generator', name: 'gen', partitions: 2, rowsPerPartition: rows, keys: 50, groups: 4, rate },
    ],
    tables: [
      {
        profile: { name: 'p', connector: 'redis', config: { connection: { address: redis.url } } },
        table: {
          name: `${name}_events`,
          connector: 'redis',
          config: {
            connectorType: { target: { listPrefix: `${name}:`, listKeyColumn: 'g', operation: 'Append' } },
          },
        },
        shards: 2,
      },
    ],
    checkpoint: { dir: join(dir, `cp-${name}`), intervalMs: 100 },
  });

  const listTotal = async (prefix: string) => {
    let n = 0;
    for (let g = 0; g < 4; g++) n += Number(await client.send(['LLEN', `${prefix}:g${g}`]));
    return n;
  };

  it('a pipeline runs on a worker to its end; its record says finished with its last checkpoint', async () => {
    const rt = await start(join(dir, 'a'), 2);
    try {
      const created = await rt.coordinator.plane.createPipeline({ name: 'fin', spec: spec('fin', 2_000) });
      expect(created.state).toBe('pending');
      const seen: string[] = [];
      const unwatch = await rt.coordinator.plane.watchPipeline('fin', (p: PipelineView) =>
        seen.push(p.state),
      );
      const done = await until(
        'finished',
        () => rt.coordinator.plane.getPipeline('fin'),
        (p) => p.state === 'finished',
      );
      unwatch();
      expect(done.lastCheckpointId).toBeGreaterThanOrEqual(0);
      expect(done.workerId).toBe('');
      expect(seen).toContain('running');
      expect(await listTotal('fin')).toBe(4_000);
    } finally {
      await rt.stop();
    }
  });

  it('checkpoint on demand, stop, and a pipeline moved off a worker that went away resumes exactly once', async () => {
    const rt = await start(join(dir, 'b'), 2);
    try {
      const plane = rt.coordinator.plane;
      await plane.createPipeline({ name: 'slow', spec: spec('slow', 3_000, 1_500) });
      const running = await until(
        'running',
        () => plane.getPipeline('slow'),
        (p) => p.state === 'running',
      );
      const cp = await plane.triggerCheckpoint('slow');
      expect(cp.checkpointId).toBeGreaterThanOrEqual(0);
      // Take the worker away: the pipeline is recovering, then running elsewhere with a newer generation.
      const host = rt.workers.find((w) => w.id === running.workerId)!;
      await host.stop();
      const moved = await until(
        'moved',
        () => plane.getPipeline('slow'),
        (p) => p.state === 'running' && p.workerId !== '' && p.workerId !== running.workerId,
      );
      expect(moved.generation).toBeGreaterThan(running.generation);
      const done = await until(
        'finished',
        () => plane.getPipeline('slow'),
        (p) => p.state === 'finished',
        30_000,
      );
      expect(done.state).toBe('finished');
      // Lists are exactly-once: every generated row once, whatever was replayed.
      expect(await listTotal('slow')).toBe(6_000);

      await plane.createPipeline({ name: 'stopme', spec: spec('stopme', 100_000, 500) });
      await until(
        'running',
        () => plane.getPipeline('stopme'),
        (p) => p.state === 'running',
      );
      const stopped = await plane.stopPipeline('stopme');
      expect(stopped.state).toBe('stopped');
      await expect(plane.triggerCheckpoint('stopme')).rejects.toMatchObject({
        code: 'ERR_FAILED_PRECONDITION',
      });
    } finally {
      await rt.stop();
    }
  }, 60_000);

  it('a SQL pipeline with an ingest source takes rows from a Producer, also after it moved to another worker', async () => {
    const rt = await start(join(dir, 'd'), 2);
    try {
      const plane = rt.coordinator.plane;
      const sql = `
        CREATE TABLE clicks (user_id TEXT, n BIGINT) WITH (connector = 'ingest', type = 'source');
        CREATE TABLE click_log (user_id TEXT, n BIGINT) WITH (
          connector = 'redis', address = '${redis.url}', type = 'sink',
          'sink.type' = 'list', 'sink.list_prefix' = 'clk:', 'sink.list_key_column' = 'user_id',
          'sink.operation' = 'Append');
        INSERT INTO click_log SELECT user_id, n * 2 AS n FROM clicks WHERE n % 5 <> 0;`;
      await plane.createPipeline({ name: 'clickpipe', sql });
      const first = await until(
        'running',
        () => plane.getPipeline('clickpipe'),
        (p) => p.state === 'running',
      );
      const producer = new Producer({
        coordinator: rt.grpcAddress,
        table: 'clickpipe/clicks',
        batchRows: 100,
      });
      const rows = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, j) => ({ user_id: `u${(from + j) % 3}`, n: from + j }));
      try {
        await producer.write(rows(0, 3_000));
        await producer.flush();
        // Its worker goes away mid-stream: the pipeline moves, the producer resends what was not durable.
        const writing = producer.write(rows(3_000, 6_000));
        await rt.workers.find((w) => w.id === first.workerId)!.stop();
        await writing;
        await producer.flush();
      } finally {
        await producer.close();
      }
      for (let u = 0; u < 3; u++) {
        const got = ((await client.send(['LRANGE', `clk:u${u}`, '0', '-1'])) as Buffer[]).map(
          (b) => (JSON.parse(b.toString()) as { n: number }).n,
        );
        const want: number[] = [];
        for (let i = u; i < 6_000; i += 3) if (i % 5 !== 0) want.push(i * 2);
        expect(got).toEqual(want);
      }
      await expect(plane.tableRouting('clickpipe/nope')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    } finally {
      await rt.stop();
    }
  }, 60_000);

  it('a coordinator restart keeps profiles, tables and pipelines; workers come back and producers go on', async () => {
    const ports = { grpcPort: await findFreePort(), httpPort: await findFreePort() };
    const data = join(dir, 'c');
    let rt: Runtime = await start(data, 1, ports);
    const plane0 = rt.coordinator.plane;
    const secret = await plane0.createProfile({
      name: 'secret',
      connector: 'redis',
      config: { connection: { address: redis.url }, password: '{{ NOT_SET_BUT_STORED }}' },
    });
    await plane0.createProfile({
      name: 'local',
      connector: 'redis',
      config: { connection: { address: redis.url } },
    });
    const table = await plane0.createTable({
      name: 'restart_latest',
      connector: 'redis',
      connectionProfileId: 'local',
      config: { connectorType: { target: { keyPrefix: 'rl:', keyColumn: 'k' } } },
      shards: 2,
    });
    await plane0.createPipeline({ name: 'kept', spec: spec('kept', 10) });
    await until(
      'finished',
      () => plane0.getPipeline('kept'),
      (p) => p.state === 'finished',
    );
    const producer = new Producer({
      coordinator: rt.grpcAddress,
      table: 'restart_latest',
      retryTimeoutMs: 30_000,
    });
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, j) => ({ k: `k${(from + j) % 100}`, i: from + j }));
    try {
      await producer.write(rows(0, 5_000));
      await producer.flush();
      await rt.stop();

      rt = await start(data, 1, ports);
      const plane = rt.coordinator.plane;
      expect((await plane.getProfile(secret.id)).name).toBe('secret');
      expect(JSON.stringify(await plane.getProfile(secret.id))).not.toContain('NOT_SET_BUT_STORED');
      expect((await plane.getTable('restart_latest')).id).toBe(table.id);
      expect((await plane.getPipeline('kept')).state).toBe('finished');
      // The same producer goes on once the table's shards are placed again.
      await producer.write(rows(5_000, 10_000));
      await producer.flush();
      for (let k = 0; k < 100; k += 7) {
        const v = JSON.parse(String(await client.send(['GET', `rl:k${k}`]))) as { i: number };
        expect(v.i).toBe(9_900 + k);
      }
      expect(producer.stats().reconnects).toBeGreaterThan(0);
    } finally {
      await producer.close();
      await rt.stop();
    }
  }, 60_000);
});
