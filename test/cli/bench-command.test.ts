import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/cli/runtime.js';
import type { BenchReport } from '../../src/harness/bench-report.js';
import { buildCli } from '../support/job-process.js';
import {
  type AclRedis,
  cli,
  findFreePort,
  type RedisServer,
  redisCli,
  startAclRedis,
  startRedis,
} from '../support/redis.js';

/** `laminar-redis bench` as a user runs it: a child process, stdout not a terminal. */

let redis: RedisServer;
let acl: AclRedis;
let dir: string;

beforeAll(async () => {
  [redis, acl, dir] = await Promise.all([
    startRedis(),
    startAclRedis(),
    mkdtemp(join(tmpdir(), 'laminar-bench-cli-')),
    buildCli(),
  ]);
}, 120_000);

afterAll(async () => {
  await redis?.stop();
  await acl?.server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [await buildCli(), 'bench', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDIS_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

const schema = JSON.parse(
  readFileSync(new URL('../../docs/bench-report.schema.json', import.meta.url), 'utf8'),
);

describe('laminar-redis bench', () => {
  it('bench cli — --help lists the workload, mode and output options and links the docs', async () => {
    const { code, stdout } = await bench(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--redis',
      '--profile',
      '--sql',
      '--target',
      '--guarantee',
      '--coordinator',
      '--rows',
      '--duration',
      '--rate',
      '--keys',
      '--skew',
      '--shape',
      '--sample',
      '--batch-size',
      '--in-flight',
      '--verify',
      '--keep',
      '--json',
      '--out',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout.replace(/\s+/g, ' ')).toContain('docs/bench-harness.md');
  });

  it('bench cli — stdout is JSON lines: one per interval, then the BenchReport document, valid against its schema', async () => {
    const { code, stdout, stderr } = await bench([
      '--redis',
      redis.url,
      '--rows',
      '5000',
      '--target',
      'hash',
      '--interval',
      '50',
      '--verify',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const report = lines.at(-1) as unknown as BenchReport;
    for (const line of lines.slice(0, -1)) expect(line.event).toBe('interval');
    expect(lines.length).toBeGreaterThan(1);
    expect(report.version).toBe(1);
    expect(report.rowsAcked).toBe(5000);
    expect(report.settings.target).toBe('hash');
    expect(report.verify?.ok).toBe(true);
    const validate = new Ajv2020({ strict: false, logger: false }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('bench cli — --out writes the HTML page of the report', async () => {
    const out = join(dir, 'report.html');
    const { code } = await bench(['--redis', redis.url, '--rows', '2000', '--out', out]);
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('bench cli — a prefix that holds keys is refused before anything is written', async () => {
    await cli(redis, 'SET', 'bench:taken:k1', 'x');
    const { code, stdout, stderr } = await bench([
      '--redis',
      redis.url,
      '--rows',
      '100',
      '--run-id',
      'taken',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^laminar-redis: \[ERR_BENCH_PREFIX_IN_USE\] .*bench:taken:/);
    const keys = (await redisCli(redis, ['--scan', '--pattern', 'bench:taken:*'])).stdout.trim().split('\n');
    expect(keys).toEqual(['bench:taken:k1']);
  });

  it('bench cli — --keep leaves the keys under the run prefix', async () => {
    const { code, stdout } = await bench([
      '--redis',
      redis.url,
      '--rows',
      '300',
      '--keys',
      '10',
      '--run-id',
      'kept',
      '--keep',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as BenchReport;
    expect(report.cleanedUp).toBe(false);
    const keys = (await redisCli(redis, ['--scan', '--pattern', 'bench:kept:*'])).stdout.trim().split('\n');
    expect(keys.length).toBe(10);
  });

  it('bench cli — a bad address is one coded line and exit code 1', async () => {
    const port = await findFreePort();
    const { code, stdout, stderr } = await bench(['--redis', `redis://127.0.0.1:${port}`, '--rows', '10']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^laminar-redis: \[ERR_CONNECTION_NOT_SENT\] /);
  });

  it('bench cli — a wrong password is ERR_AUTH on one line, the password never shown', async () => {
    const url = `redis://${acl.username}:not-the-password@127.0.0.1:${acl.server.port}`;
    const { code, stdout, stderr } = await bench(['--redis', url, '--rows', '10']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^laminar-redis: \[ERR_AUTH\] /);
    expect(stderr).not.toContain('not-the-password');
  });

  it('bench cli — the right ACL user writes, and the report never holds the password', async () => {
    const url = `redis://${acl.username}:${acl.password}@127.0.0.1:${acl.server.port}`;
    const { code, stdout } = await bench(['--redis', url, '--rows', '1000', '--verify']);
    expect(code).toBe(0);
    expect(stdout).not.toContain(acl.password);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as BenchReport;
    expect(report.settings.redis).toBe(`redis://127.0.0.1:${acl.server.port}`);
    expect(report.verify?.ok).toBe(true);
  });

  it('bench cli — options that do not fit are ERR_BENCH_OPTIONS or ERR_USAGE', async () => {
    const both = await bench(['--redis', redis.url, '--rows', '10', '--duration', '1s']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^laminar-redis: \[ERR_BENCH_OPTIONS\] option 'rows'/);
    const pubsub = await bench(['--redis', redis.url, '--target', 'pubsub', '--verify']);
    expect(pubsub.stderr).toMatch(/^laminar-redis: \[ERR_BENCH_OPTIONS\] option 'verify'/);
    const bad = await bench(['--redis', redis.url, '--target', 'nosuch']);
    expect(bad.stderr).toMatch(/^laminar-redis: \[ERR_USAGE\] /);
    const none = await bench(['--rows', '10']);
    expect(none.stderr).toMatch(/^laminar-redis: \[ERR_USAGE\] give --redis/);
  });

  it('bench cli — --profile takes a connection profile file', async () => {
    const file = join(dir, 'profile.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'mine',
        connector: 'redis',
        config: {
          connection: { address: `redis://127.0.0.1:${acl.server.port}` },
          username: acl.username,
          password: '{{ BENCH_TEST_PASSWORD }}',
        },
      }),
    );
    const child = spawn(process.execPath, [await buildCli(), 'bench', '--profile', file, '--rows', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_TEST_PASSWORD: acl.password },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect((JSON.parse(stdout.trim().split('\n').at(-1)!) as BenchReport).rowsAcked).toBe(500);
  });
});

describe('laminar-redis bench --coordinator', () => {
  it('bench cli — through a running coordinator with a token file: the report says coordinator mode and verify matches', async () => {
    const token = 'bench-cli-token-0123456789abc';
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${token}\n`);
    const rt = await startRuntime({ temporaryDataDir: true, workers: 2, checkpointIntervalMs: 100, token });
    try {
      const { code, stdout, stderr } = await bench([
        '--coordinator',
        rt.grpcAddress,
        '--token-file',
        tokenFile,
        '--redis',
        redis.url,
        '--rows',
        '3000',
        '--target',
        'list',
        '--verify',
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as BenchReport;
      expect(report.settings.mode).toBe('coordinator');
      expect(report.rowsAcked).toBe(3000);
      expect(report.verify?.ok).toBe(true);
      expect(stdout).not.toContain(token);
    } finally {
      await rt.stop();
    }
  });
});
