/**
 * Coordinator failover time: the leader of a Redis state store SIGKILLed, and the time until the
 * first write acknowledged after it (a producer row durable in Redis, its flush resolved, where
 * the write was started after the kill).
 *
 *   bench ──spawn──▶ coordinator A (leads)  coordinator B (standby, waits for the lease)
 *                     ▲  ▲                    ▲
 *   worker × 2 ── --coordinator A,B ──────────┘
 *   producer (coordinator: [A, B]) ── write 1 row, flush, repeat ──▶ workers ──▶ Redis
 *
 * Each round kills whoever leads, waits for the first acknowledged write after the kill, then
 * starts the killed one again on its ports as the new standby. Default settings throughout (lease
 * TTL, checkpoint interval, heartbeats) unless `LAMINAR_BENCH_LEASE_TTL` sets `--lease-ttl`.
 * Verified at the end: every row written is in the list exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Producer } from '../../src/producer/producer.js';
import { startBenchRedisServer } from '../common/bench-redis.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { SuiteResult } from '../types.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url)); // dist/bench/failover → dist/src
const START_TIMEOUT_MS = 60_000;
/** Longest one failover may take before the round counts as failed. */
const ROUND_TIMEOUT_MS = 90_000;

interface Coordinator {
  child: ChildProcess;
  http: string;
  /** Resolves once it leads (it announces where it listens only then). */
  leading: Promise<void>;
  log: () => string;
}

/** A loopback port free now: a standby's addresses must be known before it listens. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function spawnProcess(
  args: string[],
  cwd: string,
): { child: ChildProcess; listening: Promise<void>; log: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn', TMPDIR: cwd },
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"listening"')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`laminar-redis ${args[0]} exited (${code ?? signal})\n${log.slice(-3_000)}`)),
    );
  });
  listening.catch(() => {});
  return { child, listening, log: () => log };
}

function startCoordinator(
  dir: string,
  ports: { grpc: number; http: number },
  state: string,
  leaseTtl: string | undefined,
): Coordinator {
  const p = spawnProcess(
    [
      'coordinator',
      ...['--data-dir', join(dir, 'data'), '--state', state],
      ...['--grpc-port', String(ports.grpc), '--http-port', String(ports.http)],
      ...(leaseTtl === undefined ? [] : ['--lease-ttl', leaseTtl]),
    ],
    dir,
  );
  return { child: p.child, http: `127.0.0.1:${ports.http}`, leading: p.listening, log: p.log };
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = START_TIMEOUT_MS,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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

/** `/readyz` status; 0 while nothing answers. */
const readyz = (http: string) =>
  fetch(`http://${http}/readyz`).then(
    (r) => r.status,
    () => 0,
  );

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function runFailoverBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const rounds = options.quick ? 3 : 10;
  const leaseTtl = process.env.LAMINAR_BENCH_LEASE_TTL || undefined;
  const log = options.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'laminar-bench-failover-'));
  const redis = await startBenchRedisServer();
  const state = `${redis.url}?store=bench-failover`;
  const slots = [0, 1].map(async (i) => ({
    dir: join(dir, `c${i}`),
    ports: { grpc: await freePort(), http: await freePort() },
  }));
  const [a, b] = await Promise.all(slots);
  const coordinators: (Coordinator | undefined)[] = [undefined, undefined];
  const workers: ChildProcess[] = [];
  let producer: Producer | undefined;
  let stopLoop = false;
  const times: number[] = [];
  /** Kill → the standby serving, ms: the lease's part of each failover. */
  const leads: number[] = [];
  /** Kill → every shard placed on a worker by the new leader, ms (measured after the round's ack). */
  const placed: number[] = [];
  const notes: string[] = [];
  try {
    for (const s of [a, b]) await mkdir(s.dir, { recursive: true });
    coordinators[0] = startCoordinator(a.dir, a.ports, state, leaseTtl);
    await coordinators[0].leading;
    coordinators[1] = startCoordinator(b.dir, b.ports, state, leaseTtl);
    await until('the standby waiting', async () => (await readyz(coordinators[1]!.http)) === 503);
    const addresses = [a, b].map((s) => `127.0.0.1:${s.ports.grpc}`);
    for (let i = 0; i < 2; i++) {
      const wdir = join(dir, `w${i}`);
      await mkdir(wdir, { recursive: true });
      const w = spawnProcess(['worker', '--coordinator', addresses.join(','), '--name', `fo-${i}`], wdir);
      workers.push(w.child);
      await w.listening;
    }
    const http = coordinators[0].http;
    const profile = await api(http, 'POST', '/v1/connection_profiles', {
      name: 'bench',
      connector: 'redis',
      config: { connection: { address: redis.url } },
    });
    await api(http, 'POST', '/v1/connection_tables', {
      name: 'failover_rows',
      connector: 'redis',
      connectionProfileId: profile.id,
      config: { connectorType: { target: { listPrefix: 'fo:', listKeyColumn: 'k', operation: 'Append' } } },
      shards: 2,
    });
    await until('both shards placed', async () => {
      const r = await api(http, 'GET', '/v1/connection_tables/failover_rows/routing');
      const routes = r.routes as { workerId: string }[];
      return routes.length === 2 && routes.every((x) => x.workerId !== '');
    });

    // One row at a time, each flushed: an acknowledgement is a row durable in Redis.
    producer = new Producer({
      coordinator: addresses,
      table: 'failover_rows',
      lingerMs: 0,
      retryTimeoutMs: ROUND_TIMEOUT_MS,
    });
    const acks: { startedAt: number; ackedAt: number }[] = [];
    let written = 0;
    const p = producer;
    const loop = (async () => {
      while (!stopLoop) {
        const startedAt = performance.now();
        await p.write([{ k: `k${written % 2}`, i: written }]);
        written++;
        await p.flush();
        acks.push({ startedAt, ackedAt: performance.now() });
      }
    })();
    let loopError: unknown;
    loop.catch((err: unknown) => {
      loopError = err;
    });
    const acknowledged = (ok: () => boolean) => async () => {
      if (loopError !== undefined) throw loopError;
      return ok();
    };

    let leader = 0;
    for (let r = 0; r < rounds; r++) {
      const standby = 1 - leader;
      const acked = acks.length;
      await until(
        'writes acknowledged',
        acknowledged(() => acks.length > acked + 5),
      );
      const killedAt = performance.now();
      coordinators[leader]!.child.kill('SIGKILL');
      let ledAt = Number.NaN;
      const next = coordinators[standby]!;
      // Beside the producer's loop: when the new leader has every shard on a worker again.
      const placedAt = next.leading.then(async () => {
        ledAt = performance.now();
        await until('the shards placed by the new leader', async () => {
          const r = await api(next.http, 'GET', '/v1/connection_tables/failover_rows/routing');
          return (r.routes as { workerId: string }[]).every((x) => x.workerId !== '');
        });
        return performance.now();
      });
      await until(
        'the first acknowledged write after the kill',
        acknowledged(() => acks.some((x) => x.startedAt >= killedAt)),
        ROUND_TIMEOUT_MS,
      );
      const first = acks.find((x) => x.startedAt >= killedAt)!;
      const ms = first.ackedAt - killedAt;
      times.push(ms);
      await coordinators[standby]!.leading;
      leads.push(ledAt - killedAt);
      placed.push((await placedAt) - killedAt);
      log(
        `failover: round ${r + 1}/${rounds}: ${Math.round(ms)} ms (the standby led after ${Math.round(ledAt - killedAt)} ms, placed every shard after ${Math.round(placed[r])} ms)`,
      );
      // The killed one comes back on its ports as the next standby (a supervisor's restart).
      const slot = leader === 0 ? a : b;
      coordinators[leader] = startCoordinator(slot.dir, slot.ports, state, leaseTtl);
      const back = coordinators[leader]!;
      await until('the restarted coordinator waiting', async () => (await readyz(back.http)) === 503);
      leader = standby;
    }
    stopLoop = true;
    await loop;
    await producer.flush();

    // Exactly once: every row written is in its list once, in order.
    let total = 0;
    let problem: string | undefined;
    for (let k = 0; k < 2; k++) {
      const raw = await redis.cli('LRANGE', `fo:k${k}`, '0', '-1');
      const got = raw === '' ? [] : raw.split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
      total += got.length;
      const want = Array.from({ length: written }, (_, i) => i).filter((i) => i % 2 === k);
      if (got.length !== want.length || got.some((v, j) => v !== want[j])) {
        problem ??= `list fo:k${k} holds ${got.length} rows, ${want.length} written`;
      }
    }
    if (problem !== undefined) notes.push(`${VERIFICATION_FAILED} ${problem}`);
    else notes.push(`Verified: all ${total} rows written landed exactly once, in order.`);
  } catch (err) {
    const logs = coordinators.map((c) => c?.log().slice(-2_000) ?? '').join('\n');
    throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
  } finally {
    stopLoop = true;
    await producer?.close().catch(() => {});
    for (const c of coordinators) c?.child.kill('SIGKILL');
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const med = median(times);
  const max = Math.max(...times);
  return {
    suite: 'failover',
    title: `Coordinator failover: leader SIGKILL → first acknowledged write (${rounds} runs)`,
    rows: [
      {
        case: 'leader SIGKILL → first acknowledged write',
        client: 'laminar-redis',
        opsPerSec: 1000 / med,
        extra: {
          medianMs: Math.round(med),
          maxMs: Math.round(max),
          minMs: Math.round(Math.min(...times)),
          runs: times.length,
          leaseTtlMs: leaseTtl === undefined ? 'default' : Number(leaseTtl),
        },
      },
    ],
    ratios: [{ label: 'median failover time / 5 s goal', value: Number((med / 5_000).toFixed(2)) }],
    notes: [
      'Lower is better here: the figures are times. Two coordinators on one Redis state store, two workers, one producer writing one row at a time and flushing each; the leader is SIGKILLed once per run and restarted as the next standby.',
      `Runs, ms: ${times.map((t) => Math.round(t)).join(', ')}; of which until the standby served: ${leads.map((t) => Math.round(t)).join(', ')}; until it had placed every shard: ${placed.map((t) => Math.round(t)).join(', ')}.`,
      ...notes,
    ],
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runFailoverBench({ quick: process.argv.includes('--quick'), log: console.error });
  console.log(JSON.stringify(result, null, 2));
}
