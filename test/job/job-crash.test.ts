import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashRun, writeSpec } from '../support/crash-run.js';
import { checkState, expectedState, genParams, type StateReader, stateReader } from '../support/job-check.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { type RedisCluster, type RedisServer, startCluster, startRedis } from '../support/redis.js';

/**
 * Crash tests of the job runtime: a child process running `laminar-redis job` is SIGKILLed at
 * random points (or kills itself at fault points) and restarted until it finishes; Redis must
 * then hold every list row exactly once, in per-partition order, and the strings and hashes of
 * a crash-free run. The same job also feeds an eighth of its rows (by queries) to the targets
 * whose commands are not idempotent, exactly-once through the fences: integer and float counters
 * (INCRBY, INCRBYFLOAT), a hash counter (HINCRBY), a stream (XADD) and a sorted set in increment
 * mode (ZINCRBY) — their sums must be the crash-free sums, and each stream must hold every row's
 * entry once, in per-partition order. `LAMINAR_SOAK=1` (npm run test:soak) runs the 1M-row version.
 */
const SOAK = process.env.LAMINAR_SOAK === '1';
// Sized so that even a fast machine is still writing when the last kill comes (the kills are timed):
// the target tables make a row dearer, so 100k rows take about as long as 150k did without them.
const ROWS_PER_PARTITION = SOAK ? 250_000 : 100_000; // × 4 partitions
const KILLS = SOAK ? 8 : 5;
const KILL_WINDOW: [number, number] = SOAK ? [300, 2500] : [100, 900];
const SEED = Number(process.env.LAMINAR_CRASH_SEED ?? Date.now() % 100_000);

/** The target tables' findings of an exactly-once run (job-check.ts, `targets`). */
const TARGETS_EXACT = {
  streamDuplicates: 0,
  streamMissing: 0,
  streamOutOfOrder: 0,
  counterMismatches: 0,
  hashCounterMismatches: 0,
  scoreMismatches: 0,
};

interface Mode {
  name: 'standalone' | 'cluster';
  redis: { url: string } | { urls: string[] };
  reader: StateReader;
}

const modes: Array<{ name: 'standalone' | 'cluster' }> = [{ name: 'standalone' }, { name: 'cluster' }];

describe.each(modes)('job crash recovery ($name)', ({ name }) => {
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  let mode: Mode;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'laminar-crash-'));
    const [, redis] = await Promise.all([
      buildCli(),
      name === 'standalone' ? startRedis() : startCluster({ masters: 3, replicasPerMaster: 0 }),
    ]);
    if ('url' in redis) {
      server = redis;
      mode = { name, redis: { url: redis.url }, reader: await stateReader({ url: redis.url }) };
    } else {
      cluster = redis;
      const urls = redis.addresses.map((a) => `redis://${a}`);
      const masters = (await redis.masters()).map((m) => `redis://${m.address}`);
      mode = { name, redis: { urls }, reader: await stateReader({ urls, masters }) };
    }
  }, 120_000);

  afterAll(async () => {
    await mode?.reader.close();
    await server?.stop();
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it(
    `runtime — SIGKILLed ${KILLS}+ times at random points, the job still writes lists, streams, counters and sorted-set increments exactly once and strings/hashes as a crash-free run`,
    async () => {
      const o = {
        name: `crash_${name}`,
        ns: `crash:${name}:`,
        dir: join(work, 'crash-cp'),
        redis: mode.redis,
        partitions: 4,
        rowsPerPartition: ROWS_PER_PARTITION,
        intervalMs: 200,
        workDir: work,
        kills: KILLS,
        seed: SEED,
        killWindowMs: KILL_WINDOW,
        targets: true,
      };
      const r = await crashRun(o, mode.reader);
      const checkpoints = r.events.filter((e) => e.event === 'checkpoint').length;
      console.log(
        `[crash ${name}] seed ${SEED}: ${r.findings.rows} rows x 3 tables + ${r.findings.targetRows} x 5 targets, ` +
          `${r.kills} kills, ${r.starts} starts, ${checkpoints} checkpoints, ${r.findings.listEntries} list entries, ` +
          `${r.findings.streamEntries} stream entries, ${r.findings.duplicates + r.findings.streamDuplicates} duplicates, ` +
          `${r.ms} ms (last run ${r.finished.ms} ms, generation ${r.finished.generation})`,
      );
      expect(r.kills).toBeGreaterThanOrEqual(KILLS);
      expect(r.findings.firstProblems).toEqual([]);
      expect(r.findings).toMatchObject({
        duplicates: 0,
        missing: 0,
        outOfOrder: 0,
        stringMismatches: 0,
        extraStrings: 0,
        hashMismatches: 0,
        ...TARGETS_EXACT,
      });
      expect(r.findings.listEntries).toBe(r.findings.rows);
      expect(r.findings.targetRows).toBeGreaterThan(0);
      expect(r.findings.streamEntries).toBe(r.findings.targetRows);
      // Every start raised the generation: the finishing run is the (kills + 1)-th generation or later.
      expect(r.finished.generation).toBeGreaterThanOrEqual(r.kills + 1);
    },
    SOAK ? 900_000 : 120_000,
  );

  it('runtime — a kill after every shard acked but before the checkpoint is recorded, and a kill halfway through a flush, lose and duplicate nothing (targets included)', async () => {
    const o = {
      name: `fault_${name}`,
      ns: `fault:${name}:`,
      dir: join(work, 'fault-cp'),
      redis: mode.redis,
      partitions: 3,
      rowsPerPartition: 50_000,
      // Paced so that the job is still running at its 3rd checkpoint however fast the sinks are,
      // and however slow its checkpoints on a loaded machine (6 s of rows at 100 ms intervals).
      rate: 8_000,
      intervalMs: 100,
      targets: true,
    };
    const spec = await writeSpec(work, o);

    // 1: after-ack on the 3rd checkpoint: acked by all shards, never recorded.
    const a = await spawnJob(spec, { LAMINAR_FAULT: 'after-ack:3' });
    const exitA = await a.exited;
    if (exitA.signal !== 'SIGKILL') console.log(a.events, a.stderr());
    expect(exitA).toMatchObject({ signal: 'SIGKILL' });
    expect(a.stderr()).toContain('fault injected at after-ack');
    const recordedBefore = a.events.filter((e) => e.event === 'checkpoint').map((e) => e.id as number);
    expect(recordedBefore).toHaveLength(2);
    expect(a.events.some((e) => e.event === 'finished')).toBe(false);

    // 2: halfway through the 2nd barrier flush of the restarted job.
    const b = await spawnJob(spec, { LAMINAR_FAULT: 'mid-flush:2' });
    expect(await b.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(b.stderr()).toContain('fault injected at mid-flush');
    const attemptB = b.events.find((e) => e.event === 'attempt')!;
    // The acked-but-unrecorded checkpoint does not exist: the restart resumed from the 2nd.
    expect(attemptB.restored).toBe(recordedBefore.at(-1));

    // 3: to the end.
    const c = await spawnJob(spec);
    const exit = await c.exited;
    if (exit.code !== 0) throw new Error(c.stderr());
    const f = await checkState(mode.reader, expectedState(genParams(o), o.ns, true), o.ns);
    expect(f.firstProblems).toEqual([]);
    expect(f).toMatchObject({
      duplicates: 0,
      missing: 0,
      outOfOrder: 0,
      stringMismatches: 0,
      hashMismatches: 0,
      ...TARGETS_EXACT,
    });
    expect(f.listEntries).toBe(f.rows);
    expect(f.streamEntries).toBe(f.targetRows);
  }, 120_000);
});
