import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { CreateConnectionTableRequest } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { connectControl, unary } from '../../src/wire/grpc-clients.js';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import {
  type CoordinatorProcess,
  type Spawned,
  spawnCoordinatorOnState,
  spawnWorker,
} from '../support/runtime-processes.js';
import { until } from '../support/until.js';

/**
 * Two `laminar-redis coordinator` processes on one Redis state store, each started with
 * `--advertise`: every client is given the standby's address only. Control calls (HTTP and gRPC)
 * sent there reach the leader; a worker registers with it and a producer writes through it. The
 * leader is SIGKILLed: its address answers nothing, the standby leads, and the same clients go on
 * with it — every list row exactly once.
 */

/** A coordinator of this test, advertising the loopback address. */
const coordinatorProcess = (dir: string, state: string) =>
  spawnCoordinatorOnState(dir, state, ['--advertise', '127.0.0.1']);

describe("standby coordinator processes — every client given the standby's address only", () => {
  let redis: RedisServer;
  let dir: string;
  let client: RedisClient;
  const coordinators: CoordinatorProcess[] = [];
  let worker: Spawned | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-follow-proc-'));
    [redis] = await Promise.all([startRedis(), buildCli()]);
    client = await createClient(redis.url);
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    for (const c of coordinators)
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await client?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('follow processes — redirects before the leader is SIGKILLed, the standby leads after, rows exactly once', async () => {
    const state = `${redis.url}?store=follow`;
    const leader = await coordinatorProcess(join(dir, 'c0'), state);
    coordinators.push(leader);
    await leader.leading;
    const standby = await coordinatorProcess(join(dir, 'c1'), state);
    coordinators.push(standby);
    await until(
      'the standby answers its probes',
      () =>
        fetch(`http://${standby.http}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 503,
    );

    // HTTP through the standby: fetch follows the 307, body and all.
    const profile = await fetch(`http://${standby.http}/v1/connection_profiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'p', connector: 'redis', config: { connection: { address: redis.url } } }),
    });
    expect(profile.status).toBe(200);
    expect(profile.url).toBe(`http://${leader.http}/v1/connection_profiles`);
    // gRPC through the standby: connectControl follows the leader it names.
    const control = connectControl({ address: standby.grpc });
    try {
      await unary(
        control,
        'createConnectionTable',
        CreateConnectionTableRequest.fromPartial({
          name: 't',
          connector: 'redis',
          connectionProfileId: 'p',
          config: {
            connectorType: { target: { listPrefix: 'fp:', listKeyColumn: 'g', operation: 'Append' } },
          },
          shards: 2,
        }),
      );
      expect((await unary(control, 'listConnectionTables', {})).data.map((t) => t.name)).toEqual(['t']);

      worker = await spawnWorker(standby.grpc, 'w0');
      const write = async (from: number, n: number) => {
        const p = new Producer({ coordinator: standby.grpc, table: 't', batchRows: 100 });
        try {
          await p.write(Array.from({ length: n }, (_, i) => ({ g: `g${(from + i) % 4}`, i: from + i })));
          await p.flush();
        } finally {
          await p.close();
        }
      };
      await write(0, 2_000);

      leader.child.kill('SIGKILL');
      await until(
        'the old leader answers nothing',
        () =>
          fetch(`http://${leader.http}/readyz`).then(
            () => 'answered',
            () => 'nothing',
          ),
        (r) => r === 'nothing',
      );
      const old = connectControl({ address: leader.grpc });
      const gone = await unary(old, 'listConnectionTables', {}, { deadline: Date.now() + 2_000 }).catch(
        (e: { code?: number }) => e,
      );
      old.close();
      expect((gone as { code?: number }).code).toBe(status.UNAVAILABLE);
      await standby.leading;

      // The same clients, still given only the (former) standby's address, go on with it.
      expect((await unary(control, 'listConnectionTables', {})).data.map((t) => t.name)).toEqual(['t']);
      await write(2_000, 2_000);
      const seen: number[] = [];
      for (let g = 0; g < 4; g++) {
        for (const item of (await client.send(['LRANGE', `fp:g${g}`, 0, -1])) as Buffer[]) {
          seen.push(JSON.parse(String(item)).i);
        }
      }
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 4_000 }, (_, i) => i));
    } finally {
      control.close();
    }
  }, 120_000);
});
