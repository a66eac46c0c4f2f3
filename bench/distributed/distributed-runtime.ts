/**
 * The distributed runtime under test, as an operator runs it: `laminar-redis coordinator` and N
 * `laminar-redis worker` processes (the compiled CLI, dist/src/cli.js), each announcing its
 * addresses as a `{"event":"listening",…}` line; the table created through the HTTP API. Logs at
 * `warn` go to a buffer shown only when something fails.
 *
 *   bench ──spawn──▶ coordinator (--checkpoint-interval C)  ◀──register── worker × N
 *   bench ──POST /v1/connection_profiles, /v1/connection_tables { shards }──▶ coordinator
 *   bench ──GET /v1/connection_tables/:id/routing until every shard has a worker
 *
 * CPU seconds of each process come from /proc/<pid>/stat (Linux), so a run can tell how much the
 * workers and the coordinator spent next to the producers and redis-server.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url)); // dist/bench/distributed → dist/src
const START_TIMEOUT_MS = 20_000;

interface Proc {
  readonly pid: number;
  readonly info: Record<string, unknown>;
  logTail(): string;
  stop(): Promise<void>;
}

export interface RuntimeUnderTest {
  readonly grpc: string;
  readonly http: string;
  readonly workers: number;
  /** CPU seconds so far of the coordinator and of every worker together. */
  cpuSeconds(): { coordinator: number; workers: number };
  /** The last log lines of every process, for failure messages. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  workers: number;
  checkpointIntervalMs: number;
  /** Node flags of the coordinator and workers, e.g. `['--cpu-prof']` to profile them. Default none. */
  nodeArgs?: readonly string[];
  /** The coordinator's `--state` (a Redis state store URL). Default: its data directory. */
  state?: string;
}

export async function startRuntimeUnderTest(o: RuntimeOptions): Promise<RuntimeUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'laminar-bench-dist-'));
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.slice(1).map((p) => p.stop()));
    await procs[0]?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const node = o.nodeArgs ?? [];
    const coordinator = await spawnCli(node, [
      'coordinator',
      ...['--data-dir', join(dir, 'data'), '--grpc-port', '0', '--http-port', '0'],
      ...['--checkpoint-interval', String(o.checkpointIntervalMs)],
      ...(o.state === undefined ? [] : ['--state', o.state]),
    ]);
    procs.push(coordinator);
    const grpc = String(coordinator.info.grpc);
    const http = String(coordinator.info.http);
    procs.push(
      ...(await Promise.all(
        Array.from({ length: o.workers }, (_, i) =>
          spawnCli(node, ['worker', '--coordinator', grpc, '--name', `bench-${i}`]),
        ),
      )),
    );
    await until(`${o.workers} worker(s) ready`, async () => {
      const list = (await api(http, 'GET', '/v1/workers')).data as { state: string }[];
      return list.filter((w) => w.state === 'ready').length === o.workers;
    });
    return {
      grpc,
      http,
      workers: o.workers,
      cpuSeconds: () => ({
        coordinator: cpuSecondsOf(procs[0].pid),
        workers: procs.slice(1).reduce((s, p) => s + cpuSecondsOf(p.pid), 0),
      }),
      logTail: () => procs.map((p) => p.logTail()).join('\n'),
      stop,
    };
  } catch (err) {
    const logs = procs.map((p) => p.logTail()).join('\n');
    await stop();
    throw new Error(`cannot start the runtime: ${(err as Error).message}\n${logs}`, { cause: err });
  }
}

/**
 * Creates the profile and the table with `shards` shards, and waits until every shard has a
 * worker, spread over min(shards, workers) of them.
 */
export async function createTable(
  rt: RuntimeUnderTest,
  profile: Record<string, unknown>,
  table: Record<string, unknown>,
  shards: number,
): Promise<void> {
  const p = await api(rt.http, 'POST', '/v1/connection_profiles', profile);
  const t = await api(rt.http, 'POST', '/v1/connection_tables', {
    ...table,
    connectionProfileId: p.id,
    shards,
  });
  await until(`${shards} shard(s) of ${String(t.name)} placed`, async () => {
    const r = await api(rt.http, 'GET', `/v1/connection_tables/${String(t.id)}/routing`);
    const routes = r.routes as { workerId: string }[];
    if (routes.length !== shards || routes.some((x) => x.workerId === '')) return false;
    return new Set(routes.map((x) => x.workerId)).size === Math.min(shards, rt.workers);
  });
}

async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + START_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns `laminar-redis <args>` and resolves once it announced where it listens. */
function spawnCli(nodeArgs: readonly string[], args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn' },
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = () => `[${args[0]} ${child.pid}] ${log.split('\n').slice(-15).join('\n')}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`laminar-redis ${args[0]} did not announce itself within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not an event line
      }
      if (o.event !== 'listening') return;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        info: o,
        logTail,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const grace = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(grace);
        },
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`laminar-redis ${args[0]} exited (${code ?? signal}) before listening\n${logTail()}`));
    });
  });
}

let clockTicks: number | undefined;

/** User+system CPU seconds of a live process (Linux /proc; NaN elsewhere). */
function cpuSecondsOf(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) … utime(11) stime(12), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}
