import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOG_TAIL_LINES = 30;

/**
 * A server's log files, read from where they ended when its current process was spawned, so a
 * restart's failure shows that start's lines only. `stdio.log` holds what the process printed
 * before `redis.log` was open (e.g. config errors).
 */
export class ServerLog {
  #marks = new Map<string, number>();
  constructor(private readonly dir: string) {}

  async mark(): Promise<void> {
    for (const name of ['redis.log', 'stdio.log']) {
      this.#marks.set(name, (await readOrEmpty(join(this.dir, name))).length);
    }
  }

  async sinceMark(name = 'redis.log'): Promise<string> {
    return (await readOrEmpty(join(this.dir, name))).subarray(this.#marks.get(name) ?? 0).toString('utf8');
  }

  async tail(lines = LOG_TAIL_LINES): Promise<string> {
    return lastLines((await this.sinceMark('stdio.log')) + (await this.sinceMark('redis.log')), lines);
  }
}

/** The last lines of a server's whole `redis.log`, across restarts. */
export async function redisLogTail(dir: string, lines = LOG_TAIL_LINES): Promise<string> {
  return lastLines((await readOrEmpty(join(dir, 'redis.log'))).toString('utf8'), lines);
}

function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function readOrEmpty(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    return Buffer.alloc(0);
  }
}
