import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';

/**
 * A second Ctrl-C makes `laminar-redis run` exit at once, without waiting for the graceful stop
 * of the first: its temporary checkpoint directory must still go.
 */

let dir: string;
let redis: RedisServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-double-int-'));
  redis = await startRedis();
  await buildCli();
}, 120_000);

afterAll(async () => {
  redis.kill('SIGCONT');
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('laminar-redis run — double Ctrl-C', () => {
  it('run — a second SIGINT exits at once (130) and leaves no temporary checkpoint directory', async () => {
    const script = join(dir, 'endless.sql');
    await writeFile(
      script,
      `CREATE TABLE events WITH (connector = 'generator', partitions = '1', rows_per_partition = '100000000', keys = '100', groups = '2', rate = '2000');
CREATE TABLE latest (k TEXT, v BIGINT) WITH (
    connector = 'redis', type = 'sink', address = '${redis.url}',
    'sink.type' = 'string', 'sink.key_prefix' = 'latest:', 'sink.key_column' = 'k');
`,
    );
    // The child's own TMPDIR: only its directories are looked at.
    const childTmp = join(dir, 'tmp');
    await mkdir(childTmp);
    const child = spawn(process.execPath, [await buildCli(), 'run', script, '--checkpoint-interval', '100'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: childTmp, LAMINAR_LOG_LEVEL: 'error' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const events: string[] = [];
    const stdout = createInterface({ input: child.stdout });
    await new Promise<void>((resolve) =>
      stdout.on('line', (line) => {
        const e = (JSON.parse(line) as { event: string }).event;
        events.push(e);
        if (e === 'checkpoint') resolve();
      }),
    );
    expect((await readdir(childTmp)).filter((d) => d.startsWith('laminar-run-'))).toHaveLength(1);

    // Redis frozen: the graceful stop of the first SIGINT cannot finish its flush.
    redis.kill('SIGSTOP');
    const stderr = createInterface({ input: child.stderr });
    const stopping = new Promise<void>((resolve) =>
      stderr.on('line', (line) => {
        if (line.startsWith('SIGINT: stopping')) resolve();
      }),
    );
    child.kill('SIGINT');
    await stopping;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    redis.kill('SIGCONT');
    // It exited before its summary: the second signal, not the graceful stop, ended it.
    expect(events).not.toContain('summary');
    expect(await readdir(childTmp)).toEqual([]);
  }, 60_000);
});
