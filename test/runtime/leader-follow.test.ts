import dns from 'node:dns';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { ControlClient } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { leaderHint } from '../../src/wire/not-leader.js';
import { startWorker, type WorkerHandle } from '../../src/worker/worker.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * Workers and producers follow the coordinator that leads, however they were pointed at it:
 * at a standby only (it names the leader), or at one name that resolves to every coordinator's
 * address. When the leader goes, its address answers nothing, and they follow the new one.
 */

let dir: string;
let redis: RedisServer;
let client: RedisClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-leader-follow-'));
  redis = await startRedis();
  client = await createClient(redis.url);
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await client?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function coordinator(
  name: string,
  store: string,
  grpcHost: string,
  grpcPort: number,
): Promise<CoordinatorHandle> {
  return startCoordinator({
    dataDir: join(dir, name),
    state: `${redis.url}?store=${store}`,
    leaseTtlMs: 1_000,
    grpcHost,
    grpcPort,
    httpPort: null,
    logger: recordingLogger().logger,
  });
}

/** A gRPC call's raw failure at `address` (no following). */
function rawCall(address: string): Promise<ServiceError | undefined> {
  const c = new ControlClient(address, credentials.createInsecure());
  return new Promise((resolve) => {
    c.listPipelines({}, new Metadata(), { deadline: Date.now() + 3_000 }, (err) => {
      c.close();
      resolve(err ?? undefined);
    });
  });
}

async function makeTable(c: CoordinatorHandle, prefix: string): Promise<void> {
  await c.plane.createProfile({
    name: `${prefix}p`,
    connector: 'redis',
    config: { connection: { address: redis.url } },
  });
  await c.plane.createTable({
    name: `${prefix}t`,
    connector: 'redis',
    connectionProfileId: `${prefix}p`,
    config: {
      connectorType: { target: { listPrefix: `${prefix}:`, listKeyColumn: 'g', operation: 'Append' } },
    },
    shards: 2,
  } as never);
}

async function write(coordinatorAddress: string, prefix: string, from: number, n: number): Promise<void> {
  const p = new Producer({ coordinator: coordinatorAddress, table: `${prefix}t`, batchRows: 50 });
  try {
    await p.write(Array.from({ length: n }, (_, i) => ({ g: `g${(from + i) % 3}`, i: from + i })));
    await p.flush();
  } finally {
    await p.close();
  }
}

async function landed(prefix: string): Promise<number[]> {
  const all: number[] = [];
  for (let g = 0; g < 3; g++) {
    const items = (await client.send(['LRANGE', `${prefix}:g${g}`, 0, -1])) as Buffer[];
    for (const item of items) all.push(JSON.parse(String(item)).i);
  }
  return all.sort((a, b) => a - b);
}

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Once the worker has registered with the coordinator that took over, 300 more rows written through
 * `address` land beside the first 300, each once.
 */
async function writesReachNewLeader(next: CoordinatorHandle, address: string, prefix: string): Promise<void> {
  await until(
    'the worker registered with the new leader',
    () => next.plane.listWorkers(),
    (ws) => ws.some((w) => w.state === 'ready'),
    20_000,
  );
  await write(address, prefix, 300, 300);
  expect(await landed(prefix)).toEqual(range(600));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('following the leader', () => {
  it("follow — a worker and a producer given only a standby's address reach the leader; then the standby leads", async () => {
    const leader = await coordinator('a', 'hint', '127.0.0.1', 0);
    const port = await findFreePort();
    const standbyAddress = `127.0.0.1:${port}`;
    const starting = coordinator('b', 'hint', '127.0.0.1', port);
    starting.catch(() => {});
    let worker: WorkerHandle | undefined;
    let next: CoordinatorHandle | undefined;
    let leaderStopped = false;
    try {
      await until(
        'the standby names the leader',
        () => rawCall(standbyAddress),
        (e) => leaderHint(e) === leader.grpcAddress,
      );
      await makeTable(leader, 'hint');
      worker = await startWorker({ coordinator: standbyAddress, name: 'w-hint' });
      await worker.registered;
      expect((await leader.plane.listWorkers()).map((w) => w.state)).toEqual(['ready']);
      await write(standbyAddress, 'hint', 0, 300);
      expect(await landed('hint')).toEqual(range(300));

      // The leader goes: its address answers nothing; the standby leads, and both follow it.
      await leader.stop();
      leaderStopped = true;
      const gone = await rawCall(leader.grpcAddress);
      expect(gone?.code).toBe(status.UNAVAILABLE);
      expect(gone?.metadata.get('laminar-code')).toEqual([]);
      next = await starting;
      await writesReachNewLeader(next, standbyAddress, 'hint');
    } finally {
      await worker?.stop();
      if (!leaderStopped) await leader.stop();
      await (next ?? (await starting)).stop();
    }
  }, 60_000);

  it("follow — one name that resolves to both coordinators' addresses (127.0.0.1 and ::1): each is tried, the leader followed", async () => {
    const port = await findFreePort();
    const name = `coordinators.test:${port}`;
    const lookup = dns.promises.lookup.bind(dns.promises);
    const spy = vi.spyOn(dns.promises, 'lookup').mockImplementation((async (
      host: string,
      options: unknown,
    ) =>
      host === 'coordinators.test'
        ? [
            { address: '127.0.0.1', family: 4 },
            { address: '::1', family: 6 },
          ]
        : lookup(host, options as dns.LookupAllOptions)) as never);
    // The leader, second behind the name, advertises an address where nothing answers, so the
    // standby, first behind the name, names a dead end: only trying each address of the name
    // reaches the leader (grpc-js alone would keep to the first address that accepts).
    const leader = await startCoordinator({
      dataDir: join(dir, 'c'),
      state: `${redis.url}?store=dns`,
      leaseTtlMs: 1_000,
      grpcHost: '::1',
      grpcPort: port,
      httpPort: null,
      advertiseGrpc: `127.0.0.1:${await closedPort()}`,
      logger: recordingLogger().logger,
    });
    const starting = coordinator('d', 'dns', '127.0.0.1', port);
    starting.catch(() => {});
    let worker: WorkerHandle | undefined;
    let next: CoordinatorHandle | undefined;
    let leaderStopped = false;
    try {
      await until(
        'the standby answers',
        () => rawCall(`127.0.0.1:${port}`),
        (e) => e?.metadata.get('laminar-code')[0] === 'ERR_NOT_LEADER',
      );
      await makeTable(leader, 'dns');
      worker = await startWorker({ coordinator: name, name: 'w-dns' });
      await worker.registered;
      expect((await leader.plane.listWorkers()).map((w) => w.state)).toEqual(['ready']);
      await write(name, 'dns', 0, 300);
      expect(await landed('dns')).toEqual(range(300));
      expect(spy.mock.calls.some(([host]) => host === 'coordinators.test')).toBe(true);

      // The leader goes; the standby behind the first address leads; both follow the name to it.
      await leader.stop();
      leaderStopped = true;
      next = await starting;
      expect(next.grpcAddress).toBe(`127.0.0.1:${port}`);
      await writesReachNewLeader(next, name, 'dns');
    } finally {
      spy.mockRestore();
      await worker?.stop();
      if (!leaderStopped) await leader.stop();
      await (next ?? (await starting)).stop();
    }
  }, 60_000);
});
