import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/job-process.js';
import { type Spawned, spawnCli } from '../support/runtime-processes.js';
import { until } from '../support/until.js';

/** pino's level number of info. */
const INFO = 30;

type Line = Record<string, unknown> & { level: number; msg: string };

/** The JSON log lines of a CLI process's stderr. */
function logLines(p: Spawned): Line[] {
  return p
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

/** The keys of a JSON object text at its top level, in order, repeats kept (JSON.parse drops them). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

describe('cli — --log-level', () => {
  let dir: string;
  const running: Spawned[] = [];
  const server = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const p = await spawnCli(
      [...args, '--data-dir', join(dir, `d${running.length}`), '--grpc-port', '0', '--http-port', '0'],
      env,
    );
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-log-level-'));
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('cli — the flag outranks LAMINAR_LOG_LEVEL: info lines appear although the variable says warn', async () => {
    const p = await server(['coordinator', '--log-level', 'info'], { LAMINAR_LOG_LEVEL: 'warn' });
    const started = await until(
      'the coordinator started line',
      () => logLines(p).find((l) => l.msg === 'coordinator started'),
      (l) => l !== undefined,
    );
    expect(started).toMatchObject({ level: INFO, name: 'laminar-redis', component: 'coordinator' });
  });

  it('cli — without the flag LAMINAR_LOG_LEVEL applies: at warn, a started coordinator logs no info line', async () => {
    const p = await server(['coordinator'], { LAMINAR_LOG_LEVEL: 'warn' });
    await p.kill();
    expect(logLines(p).filter((l) => l.level < 40)).toEqual([]);
  });

  it('cli — start at info: every line is JSON, each key once, one component per line; process workers follow', async () => {
    const p = await server(['start', '--mode', 'process', '--workers', '1', '--log-level', 'info'], {
      LAMINAR_LOG_LEVEL: 'warn',
    });
    // The worker process logs at info only when the level was passed down to it.
    await until(
      'the worker process and the orchestrator logging the registration',
      () => logLines(p).map((l) => l.msg),
      (m) => m.includes('registered with the coordinator') && m.includes('worker registered'),
    );
    const text = p.stderr().trim().split('\n');
    for (const line of text) {
      const keys = topLevelKeys(line);
      expect(keys.length, line).toBeGreaterThan(0);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    const byMsg = new Map(logLines(p).map((l) => [l.msg, l]));
    expect(byMsg.get('coordinator started')).toMatchObject({ component: 'coordinator' });
    expect(byMsg.get('worker registered')).toMatchObject({ component: 'orchestrator', level: INFO });
    expect(byMsg.get('registered with the coordinator')).toMatchObject({
      component: 'worker',
      worker: expect.stringMatching(/process-0$/),
    });
  });

  it('cli — an unknown level is refused before the command runs, naming the levels', async () => {
    const cli = await buildCli();
    const child = spawn(process.execPath, [cli, 'demo', '--log-level', 'loud'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(code).toBe(1);
    expect(stderr).toContain("[ERR_USAGE] option '--log-level <level>' argument 'loud' is invalid");
    expect(stderr).toContain('silent, fatal, error, warn, info, debug, trace');
  });

  it('cli — an unknown LAMINAR_LOG_LEVEL is refused with the variable named', async () => {
    const cli = await buildCli();
    const child = spawn(process.execPath, [cli, 'job', join(dir, 'none.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LAMINAR_LOG_LEVEL: 'loud' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(code).toBe(1);
    expect(stderr).toContain("laminar-redis: [ERR_USAGE] LAMINAR_LOG_LEVEL: unknown level 'loud'");
  });
});
