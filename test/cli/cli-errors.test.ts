import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/job-process.js';
import { spawnCoordinator } from '../support/runtime-processes.js';

/**
 * Every failure of the CLI is one line on stderr, `laminar-redis: [CODE] message`, and exit code
 * 1: usage mistakes, a port in use, a run that failed while stdout is not a terminal.
 */

let dir: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-cli-errors-'));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  await buildCli();
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `laminar-redis <args>` to its exit, stdout a pipe. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [await buildCli(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn', GRPC_VERBOSITY: undefined },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** Expects exit code 1 and exactly one stderr line matching `line`. */
function oneLine(r: { code: number | null; stderr: string }, line: RegExp): void {
  expect({ code: r.code, lines: r.stderr.split('\n').filter((l) => l !== '') }).toEqual({
    code: 1,
    lines: [expect.stringMatching(line)],
  });
}

let n = 0;
const dataDir = () => join(dir, `data-${n++}`);

describe('CLI errors', () => {
  it('cli errors — a gRPC port in use: one ERR_LISTEN line naming the address', async () => {
    const r = await cli(['coordinator', '--data-dir', dataDir(), '--grpc-port', String(busyPort)]);
    oneLine(
      r,
      new RegExp(
        `^laminar-redis: \\[ERR_LISTEN\\] gRPC: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is in use`,
      ),
    );
  }, 60_000);

  it('cli errors — an HTTP port in use, and a worker port in use: the same', async () => {
    const http = await cli([
      'start',
      '--data-dir',
      dataDir(),
      '--grpc-port',
      '0',
      '--http-port',
      String(busyPort),
    ]);
    oneLine(
      http,
      new RegExp(`^laminar-redis: \\[ERR_LISTEN\\] HTTP API: cannot listen on 127\\.0\\.0\\.1:${busyPort}: `),
    );
    const worker = await cli(['worker', '--coordinator', '127.0.0.1:1', '--port', String(busyPort)]);
    oneLine(
      worker,
      new RegExp(`^laminar-redis: \\[ERR_LISTEN\\] gRPC: cannot listen on 127\\.0\\.0\\.1:${busyPort}: `),
    );
  }, 60_000);

  it('cli errors — a second coordinator on a data directory in use: one ERR_DATA_DIR_LOCKED line; free again once the first stopped', async () => {
    const shared = dataDir();
    const first = await spawnCoordinator(shared);
    try {
      const second = await cli(['coordinator', '--data-dir', shared, '--grpc-port', '0', '--http-port', '0']);
      oneLine(
        second,
        new RegExp(
          `^laminar-redis: \\[ERR_DATA_DIR_LOCKED\\] data directory ${shared} is in use by process ${first.child.pid}: `,
        ),
      );
    } finally {
      await first.kill('SIGTERM');
    }
    const third = await spawnCoordinator(shared);
    await third.kill('SIGTERM');
    expect(third.child.exitCode).toBe(0);
  }, 60_000);

  it('cli errors — usage mistakes are one ERR_USAGE line pointing at the command help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['coordinator', '--grpc-port', 'x'],
        /^laminar-redis: \[ERR_USAGE\] option '--grpc-port <port>' argument 'x' is invalid\. not a non-negative integer \(see laminar-redis coordinator --help\)$/,
      ],
      [
        ['run', 'a.sql', '--bogus'],
        /^laminar-redis: \[ERR_USAGE\] unknown option '--bogus' \(see laminar-redis run --help\)$/,
      ],
      [
        ['run'],
        /^laminar-redis: \[ERR_USAGE\] missing required argument 'file' \(see laminar-redis run --help\)$/,
      ],
      [['srve'], /^laminar-redis: \[ERR_USAGE\] unknown command 'srve' .*\(see laminar-redis --help\)$/],
      [
        ['start', '--data-dir', dataDir(), '--mode', 'nosuch'],
        /^laminar-redis: \[ERR_USAGE\] --mode: unknown mode nosuch/,
      ],
      [
        ['coordinator', '--data-dir', dataDir(), '--grpc-port', '0', '--tls-cert', 'c.pem'],
        /^laminar-redis: \[ERR_USAGE\] --tls-cert and --tls-key go together$/,
      ],
    ];
    for (const [args, line] of cases) oneLine(await cli(args), line);
  }, 60_000);

  it('cli errors — a script error, and an error without a code of ours, are one line each', async () => {
    const script = join(dir, 'typo.sql');
    await writeFile(script, "CREATE TABLE events WITH (connector = 'generator', rowz = '1');\n");
    oneLine(
      await cli(['run', script]),
      /^laminar-redis: \[ERR_PIPELINE_SQL\] table 'events': option 'rowz' is not a known option/,
    );
    // A file where the data directory should be: the file system's error, with the generic code.
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    oneLine(
      await cli(['coordinator', '--data-dir', join(file, 'sub'), '--grpc-port', '0', '--http-port', '0']),
      /^laminar-redis: \[ERR_INTERNAL\] ENOTDIR: /,
    );
  }, 60_000);

  it('cli errors — a failed run with stdout not a terminal: the JSON summary on stdout, one line on stderr', async () => {
    const script = join(dir, 'divide.sql');
    await writeFile(
      script,
      `CREATE TABLE events WITH (connector = 'generator', partitions = '1', rows_per_partition = '100', keys = '10', groups = '2');
CREATE TABLE latest (k TEXT, v BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:1',
    'sink.type' = 'string', 'sink.key_prefix' = 'latest:', 'sink.key_column' = 'k');
INSERT INTO latest SELECT k, v / 0 FROM events;
`,
    );
    const r = await cli(['run', script]);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      event: string;
      outcome: string;
      error: string;
    };
    expect(summary).toMatchObject({ event: 'summary', outcome: 'failed' });
    const code = /^\[(ERR_[A-Z_]+)\]/.exec(summary.error)?.[1];
    expect(code).toBeDefined();
    oneLine(r, new RegExp(`^laminar-redis: \\[${code}\\] `));
  }, 120_000);
});
