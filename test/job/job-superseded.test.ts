import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startJob } from '../../src/job/job.js';
import { raiseGeneration } from '../../src/storage/generation-file.js';
import { useRedis } from '../support/fixtures.js';
import { table } from '../support/sink.js';
import { until } from '../support/until.js';

const redis = useRedis();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-superseded-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('job — an attempt superseded by a newer incarnation stops as fenced when it fails, never restarts to take the job back', async () => {
  const dir = join(work, 'cp');
  const attempts: number[] = [];
  const job = startJob(
    {
      name: 'sup',
      // No periodic checkpoint: the coordinator's own owner check must not be what notices.
      checkpoint: { dir, intervalMs: 600_000 },
      sources: [
        { type: 'generator', name: 'gen', partitions: 1, rowsPerPartition: 100_000, rate: 2_000, groups: 1 },
      ],
      tables: [
        {
          model: table(
            { type: 'list', listPrefix: 'sup:', listKeyColumn: 'g', operation: 'Append' },
            {
              name: 'sup',
              profile: { name: 'p', connection: { kind: 'standalone', address: redis.server.url } },
            },
          ),
        },
      ],
      restart: { maxRestarts: 3, initialDelayMs: 10, windowMs: 60_000 },
    },
    { logger: pino({ level: 'silent' }), onAttempt: (a) => attempts.push(a.generation) },
  );
  await until('rows written', async () => ((await redis.client.send(['LLEN', 'sup:g0'])) as number) > 0);
  // Another instance starts on the directory, then this one fails for a reason of its own.
  await raiseGeneration(dir);
  await redis.client.send(['RENAME', 'sup:g0', 'sup:kept']);
  await redis.client.send(['SET', 'sup:g0', 'not a list']);

  const err = await job.done.then(
    () => new Error('the job finished'),
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 'ERR_FENCED', generation: 1, current: 2 });
  expect((err as Error).cause).toMatchObject({ code: 'ERR_SINK_WRITE', prefix: 'WRONGTYPE' });
  expect(attempts).toEqual([1]);
}, 60_000);
