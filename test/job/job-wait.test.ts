import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { startJob } from '../../src/job/job.js';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger, table } from '../support/sink.js';

let master: RedisServer;
let replica: RedisServer;
const dirs: string[] = [];

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const c = await createClient(master.url);
  // Wait until the replica is attached, so WAIT can count it.
  for (let i = 0; i < 200 && ((await c.send(['WAIT', 1, 50])) as number) < 1; i++) {
    await c.send(['SET', 'probe', i]);
  }
  await c.close();
});
afterAll(async () => {
  await replica?.stop();
  await master?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function spec(dir: string, waitReplicas: number, name: string, waitTimeoutMs: number) {
  const model = table(
    { type: 'list', listPrefix: `${name}:`, listKeyColumn: 'g', operation: 'Append' },
    {
      name,
      profile: { name: 'p', connection: { kind: 'standalone', address: master.url } },
      waitReplicas,
    },
  );
  return {
    name,
    checkpoint: { dir, intervalMs: 50, waitTimeoutMs },
    sources: [{ type: 'generator', name: 'gen', partitions: 2, rowsPerPartition: 2000, seed: 3, groups: 4 }],
    tables: [{ model, shards: 2 }],
  };
}

describe('barrier WAIT', () => {
  it("job — with 'sink.wait_replicas' met, checkpoints record and the rows are on the replica", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-wait-'));
    dirs.push(dir);
    const { logger, lines } = recordingLogger();
    // A generous WAIT timeout: a busy machine must not turn 'replicated late' into 'declined'.
    const job = startJob(spec(dir, 1, 'w1', 10_000), { logger });
    const result = await job.done;
    expect(result.last).toBeDefined();
    expect(lines.some((l) => l.includes('checkpoint declined'))).toBe(false);
    const r = await createClient(replica.url);
    let total = 0;
    for (let g = 0; g < 4; g++) total += (await r.send(['LLEN', `w1:g${g}`])) as number;
    expect(total).toBe(4000);
    await r.close();
  });

  it('job — a WAIT that reaches too few replicas declines the checkpoint; nothing is recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-wait-'));
    dirs.push(dir);
    const { logger, lines } = recordingLogger();
    const job = startJob(spec(dir, 2, 'w2', 200), { logger });
    for (let i = 0; i < 200 && !lines.some((l) => l.includes('checkpoint declined')); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(lines.some((l) => l.includes('checkpoint declined'))).toBe(true);
    await job.stop();
    expect(await new CheckpointStore(dir).list()).toEqual([]);
  });
});
