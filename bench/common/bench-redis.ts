/**
 * The private redis-server of end-to-end benchmarks, started by the project's harness (src/dev:
 * free port on 127.0.0.1, no persistence, ready before it resolves, killed if we die), plus the
 * admin calls the benchmarks need. Admin commands go through `redis-cli`, so a benchmark never
 * depends on any of the clients it measures.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisHarnessError } from '../../src/dev/errors.js';
import { type CliTarget, redisCli } from '../../src/dev/redis-cli.js';
import { startRedisServer } from '../../src/dev/redis-server.js';

const execFileAsync = promisify(execFile);
const CLI_TIMEOUT_MS = 30_000;

export interface BenchRedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Runs one command through redis-cli and returns its raw output, trimmed. */
  cli(...args: string[]): Promise<string>;
  /** `INFO cpu` used_cpu_user + used_cpu_sys: the server's CPU seconds since it started. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * One command through redis-cli, its raw output trimmed. Error replies come back as text, the way
 * redis-cli prints them when its output is no terminal; only a failing redis-cli rejects.
 */
export async function benchCli(target: CliTarget, args: string[]): Promise<string> {
  const r = await redisCli(target, args, CLI_TIMEOUT_MS);
  if (r.code !== 0) {
    throw new RedisHarnessError(`redis-cli -p ${target.port} ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return r.stdout.trim();
}

/** redis-server CPU seconds (used_cpu_user + used_cpu_sys) from the text of `INFO cpu`. */
export function cpuSecondsOf(info: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

export async function startBenchRedisServer(): Promise<BenchRedisServer> {
  const server = await startRedisServer({ host: '127.0.0.1' });
  const cli = (...args: string[]) => benchCli(server, args);
  try {
    const pong = await cli('PING');
    if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (err) {
    await server.stop();
    throw new Error(`private redis-server on ${server.url} does not answer redis-cli PING`, { cause: err });
  }
  return {
    host: server.host,
    port: server.port,
    url: server.url,
    cli,
    cpuSeconds: async () => cpuSecondsOf(await cli('INFO', 'cpu')),
    stop: () => server.stop(),
  };
}

/** `redis-server --version` → `7.0.15`. */
export async function redisServerVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync('redis-server', ['--version'], { timeout: 10_000 });
    return /v=(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch {
    return 'unknown (redis-server not found)';
  }
}

/** Runs a Lua script through redis-cli (never a measured client) and returns its reply lines. */
export async function evalLines(
  server: BenchRedisServer,
  script: string,
  keys: string[],
  argv: string[],
): Promise<string[]> {
  const out = await server.cli('EVAL', script, String(keys.length), ...keys, ...argv);
  return out === '' ? [] : out.split('\n');
}
