import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeSpec } from '../support/crash-run.js';
import { checkState, expectedState, genParams, type StateReader, stateReader } from '../support/job-check.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';

let server: RedisServer;
let reader: StateReader;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-zombie-'));
  [server] = await Promise.all([startRedis(), buildCli()]);
  reader = await stateReader({ url: server.url });
});

afterAll(async () => {
  await reader?.close();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

it('runtime — a paused owner superseded by a new instance has its writes refused (ERR_FENCED) and the data stays exactly-once', async () => {
  // Paced so both instances are mid-job when they meet; every table fenced, so exactly-once
  // covers strings and hashes too.
  const o = {
    name: 'zombie',
    ns: 'zombie:',
    dir: join(work, 'cp'),
    redis: { url: server.url },
    partitions: 2,
    rowsPerPartition: 6_000,
    rate: 2_000,
    intervalMs: 100,
    delivery: 'exactly_once' as const,
  };
  const spec = await writeSpec(work, o);

  const old = await spawnJob(spec);
  await old.waitFor((e) => e.event === 'checkpoint');
  old.child.kill('SIGSTOP'); // its coordinator link is cut: it neither runs nor knows
  const replacement = await spawnJob(spec);
  const started = await replacement.waitFor((e) => e.event === 'attempt');
  // The replacement owns a newer generation and has written and checkpointed with it.
  await replacement.waitFor((e) => e.event === 'checkpoint' && e.generation === started.generation);
  old.child.kill('SIGCONT'); // the link heals: the zombie tries to go on

  const oldExit = await old.exited;
  expect(oldExit.code).toBe(1);
  expect(old.stderr()).toMatch(/\[ERR_FENCED\]/);
  // Refused by the fence script in Redis: a sink of the zombie logged the FENCED reply.
  expect(old.stderr()).toMatch(/"table":"zombie_\w+","code":"ERR_FENCED"/);
  expect(old.events.some((e) => e.event === 'finished')).toBe(false);
  const newExit = await replacement.exited;
  if (newExit.code !== 0) throw new Error(replacement.stderr());
  expect(started.generation).toBeGreaterThan(
    old.events.find((e) => e.event === 'attempt')!.generation as number,
  );

  const f = await checkState(reader, expectedState(genParams(o), o.ns), o.ns);
  expect(f.firstProblems).toEqual([]);
  expect(f).toMatchObject({
    duplicates: 0,
    missing: 0,
    outOfOrder: 0,
    stringMismatches: 0,
    hashMismatches: 0,
  });
  expect(f.listEntries).toBe(f.rows);
}, 60_000);
