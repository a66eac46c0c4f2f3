import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type Spawned, spawnCoordinator, spawnWorker } from '../support/runtime-processes.js';
import { until } from '../support/until.js';

/**
 * The Redis state store between separate processes, each with a temporary directory of its own
 * and nothing shared but Redis: a pipeline whose worker is killed resumes on another worker from
 * the checkpoints in Redis, and a coordinator paused past its lease has its late writes refused.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the HTTP API, read field by field
type Json = Record<string, any>;

async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`http://${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function ok(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await api(base, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

describe('state store in Redis — processes that share nothing but Redis', () => {
  let redis: RedisServer;
  let dir: string;
  let client: RedisClient;
  const spawned: Spawned[] = [];

  /** A directory of this process's own: its data directory and its TMPDIR. */
  const own = async (name: string) => {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-state-'));
    [redis] = await Promise.all([startRedis(), buildCli()]);
    client = await createClient(redis.url);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(spawned.map((p) => p.kill('SIGKILL')));
    await client?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pipelines — a pipeline whose worker is killed resumes on another worker, with no shared directory', async () => {
    const cdir = await own('coordinator');
    const coordinator = await spawnCoordinator(
      join(cdir, 'data'),
      ['--state', `${redis.url}?store=moves`, '--checkpoint-interval', '100'],
      { TMPDIR: cdir },
    );
    spawned.push(coordinator);
    const grpc = coordinator.info.grpc as string;
    const http = coordinator.info.http as string;
    const workers = new Map<string, Spawned>();
    for (const name of ['wa', 'wb']) {
      const w = await spawnWorker(grpc, name, { TMPDIR: await own(name) });
      spawned.push(w);
      workers.set(name, w);
    }
    await ok(http, 'POST', '/v1/pipelines', {
      name: 'moving',
      spec: {
        sources: [
          {
            type: 'generator',
            name: 'gen',
            partitions: 2,
            rowsPerPartition: 3_000,
            keys: 50,
            groups: 4,
            rate: 1_500,
          },
        ],
        tables: [
          {
            profile: { name: 'p', connector: 'redis', config: { connection: { address: redis.url } } },
            table: {
              name: 'moving_events',
              connector: 'redis',
              config: {
                connectorType: { target: { listPrefix: 'mv:', listKeyColumn: 'g', operation: 'Append' } },
              },
            },
            shards: 2,
          },
        ],
        checkpoint: { intervalMs: 100 },
      },
    });
    const running = await until(
      'running with a checkpoint',
      () => ok(http, 'GET', '/v1/pipelines/moving'),
      (p) => p.state === 'running' && p.lastCheckpointId >= 1,
      30_000,
    );
    const victim = [...workers].find(([name]) => (running.workerId as string).endsWith(`-${name}`));
    expect(victim).toBeDefined();
    await victim![1].kill('SIGKILL');
    const done = await until(
      'finished elsewhere',
      () => ok(http, 'GET', '/v1/pipelines/moving'),
      (p) => p.state === 'finished',
      60_000,
    );
    expect(done.generation).toBeGreaterThan(running.generation);
    let total = 0;
    for (let g = 0; g < 4; g++) total += Number(await client.send(['LLEN', `mv:g${g}`]));
    // Exactly once across the move: the successor resumed from the checkpoint kept in Redis.
    expect(total).toBe(6_000);
    // Nothing was checkpointed on disk: not in the coordinator's data directory, not beside a worker.
    expect(existsSync(join(cdir, 'data', 'pipelines'))).toBe(false);
    for (const name of ['wa', 'wb']) expect(await readdir(join(dir, name))).toEqual([]);
    const checkpoints = await client.send([
      'HLEN',
      `{laminar-state:moves}:job:pipelines/${done.id}:checkpoints`,
    ]);
    expect(Number(checkpoints)).toBeGreaterThan(0);
  }, 120_000);

  it('epoch fence — a coordinator SIGSTOPped past its lease, then resumed, cannot overwrite its successor', async () => {
    const state = ['--state', `${redis.url}?store=lead`, '--lease-ttl', '1000'];
    const olddir = await own('old');
    const old = await spawnCoordinator(join(olddir, 'data'), state, { TMPDIR: olddir });
    spawned.push(old);
    const profile = (name: string) => ({
      name,
      connector: 'redis',
      config: { connection: { address: redis.url } },
    });
    await ok(old.info.http as string, 'POST', '/v1/connection_profiles', profile('before'));
    old.child.kill('SIGSTOP');
    const newdir = await own('new');
    // Starts once the old lease lapsed (it waits for it meanwhile).
    const successor = await spawnCoordinator(join(newdir, 'data'), state, { TMPDIR: newdir });
    spawned.push(successor);
    const shttp = successor.info.http as string;
    await ok(shttp, 'POST', '/v1/connection_profiles', profile('after'));
    old.child.kill('SIGCONT');
    // It may be answering as it steps down (its write refused by the fence) or already be gone.
    const late = await api(old.info.http as string, 'POST', '/v1/connection_profiles', profile('late')).catch(
      () => null,
    );
    if (late !== null) {
      expect(late.status).toBeGreaterThanOrEqual(400);
      if (late.status !== 503) expect(JSON.stringify(late.json)).toContain('ERR_STATE_FENCED');
    }
    const names = (await ok(shttp, 'GET', '/v1/connection_profiles')).data.map((p: Json) => p.name);
    expect(names.sort()).toEqual(['after', 'before']);
    // It noticed it lost the lease and stepped down: it exits (75, EX_TEMPFAIL) so that a
    // supervisor restarts it as a standby.
    const code = await until(
      'the old leader exited',
      () => old.child.exitCode,
      (c) => c !== null,
    );
    expect(code).toBe(75);
    const stored = String(await client.send(['GET', '{laminar-state:lead}:meta']));
    expect(stored).toContain('"after"');
    expect(stored).not.toContain('"late"');
    await old.kill('SIGKILL');
  }, 60_000);
});
