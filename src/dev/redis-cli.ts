/**
 * Admin calls on the private servers through `redis-cli`, so that checks and setup never depend
 * on a client under test or under measurement.
 */
import { execFile } from 'node:child_process';
import { RedisHarnessError } from './errors.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  host: string;
  port: number;
}

/**
 * Runs `redis-cli -h host -p port ...args`; resolves with its exit code, never rejects on one.
 * Output beyond 1 MiB fails the call (Node's default `maxBuffer`).
 */
export function redisCli(target: CliTarget, args: string[], timeoutMs = 10_000): Promise<CliResult> {
  const argv = ['-h', target.host, '-p', String(target.port), '--no-auth-warning', ...args];
  return new Promise((resolve) => {
    execFile('redis-cli', argv, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr: stderr || (err?.message ?? '') });
    });
  });
}

/** Runs one command with redis-cli (`-e`: error replies fail) and returns its trimmed output. */
export async function cli(target: CliTarget, ...command: string[]): Promise<string> {
  const r = await redisCli(target, ['-e', ...command]);
  if (r.code !== 0) {
    throw new RedisHarnessError(
      `redis-cli -p ${target.port} ${command.join(' ')}: ${(r.stderr || r.stdout).trim()}`,
    );
  }
  return r.stdout.trim();
}

/** `INFO`-style `key:value` lines (CLUSTER INFO, INFO replication) as a record. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}
