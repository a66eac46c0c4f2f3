import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/job-process.js';
import { type Spawned, spawnCli } from '../support/runtime-processes.js';
import { until } from '../support/until.js';

/** `laminar-redis start --mode process`: the coordinator spawns its workers and replaces one that dies. */
describe('runtime — process scheduler mode', () => {
  let dir: string;
  let start: Spawned | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-modes-'));
    await buildCli();
  }, 120_000);

  afterAll(async () => {
    await start?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const workers = async (http: string) => {
    const res = await fetch(`http://${http}/v1/workers`);
    return ((await res.json()) as { data: Array<{ id: string; state: string }> }).data;
  };

  const childrenOf = (pid: number) =>
    new Promise<number[]>((resolve) =>
      execFile('pgrep', ['-P', String(pid)], (_err, out) =>
        resolve(
          out
            .split('\n')
            .filter(Boolean)
            .map((x) => Number(x)),
        ),
      ),
    );

  it('spawns N worker processes, replaces a killed one, and stops them all on SIGTERM', async () => {
    start = await spawnCli([
      'start',
      '--mode',
      'process',
      '--workers',
      '2',
      '--data-dir',
      join(dir, 'data'),
      '--grpc-port',
      '0',
      '--http-port',
      '0',
    ]);
    const http = start.info.http as string;
    await until(
      'two workers',
      () => workers(http),
      (ws) => ws.filter((w) => w.state === 'ready').length === 2,
    );
    const kids = await childrenOf(start.child.pid!);
    expect(kids).toHaveLength(2);
    process.kill(kids[0], 'SIGKILL');
    const after = await until(
      'a replacement',
      () => workers(http),
      (ws) => ws.filter((w) => w.state === 'ready').length === 2 && ws.some((w) => w.state === 'lost'),
    );
    expect(after.filter((w) => w.state === 'lost')).toHaveLength(1);
    const replaced = await childrenOf(start.child.pid!);
    expect(replaced).toHaveLength(2);
    expect(replaced).not.toContain(kids[0]);
    await start.kill('SIGTERM');
    expect(start.child.exitCode ?? start.child.signalCode).toBeDefined();
    const alive = replaced.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
