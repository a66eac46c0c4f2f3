import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { createControlService } from '../../src/coordinator/control-service.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { ControlClient, ControlService } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

const TOKEN = 'restart-token';

/** One coordinator incarnation: store, plane, HTTP API and gRPC Control service on the data dir. */
interface Incarnation {
  store: MetadataStore;
  runtime: FakeRuntime;
  api: HttpApi;
  server: grpc.Server;
  client: ControlClient;
  stop(): Promise<void>;
}

async function start(dir: string): Promise<Incarnation> {
  const store = await MetadataStore.open(dir);
  const runtime = new FakeRuntime(store);
  const plane = new ControlPlane({ store, runtime, dataDir: dir, logger: quietLogger });
  const api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, token: TOKEN, logger: quietLogger });
  const server = new grpc.Server();
  server.addService(ControlService, createControlService(plane, { token: TOKEN, logger: quietLogger }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const client = new ControlClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    store,
    runtime,
    api,
    server,
    client,
    async stop() {
      client.close();
      await api.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await store.flush();
    },
  };
}

async function get(i: Incarnation, path: string): Promise<unknown> {
  const res = await fetch(`${i.api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.json();
}

async function post(i: Incarnation, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${i.api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function grpcList(i: Incarnation): Promise<unknown> {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${TOKEN}`);
  return new Promise((resolve, reject) =>
    i.client.listConnectionProfiles({}, md, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-restart-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('control plane restart', () => {
  it('restart — profiles, tables, pipelines and the epoch counter survive closing and reopening everything', async () => {
    const first = await start(dir);
    const profile = await post(first, '/v1/connection_profiles', {
      name: 'redis_cache',
      connector: 'redis',
      config: { connection: { address: 'redis://127.0.0.1:6390' }, password: '{{ REDIS_PASSWORD }}' },
    });
    await post(first, '/v1/connection_tables', {
      name: 'user_sessions',
      connector: 'redis',
      connectionProfileId: profile.id,
      config: { connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id' } } },
      shards: 3,
    });
    await post(first, '/v1/pipelines', {
      name: 'gen_to_redis',
      sql: "CREATE TABLE g WITH (connector = 'generator', rows_per_partition = '5');\nCREATE TABLE s (k TEXT) WITH (connector = 'redis', type = 'sink', connection_profile = 'redis_cache', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k');",
    });
    const epoch = await first.store.nextEpoch();
    const before = {
      profiles: await get(first, '/v1/connection_profiles'),
      tables: await get(first, '/v1/connection_tables'),
      pipelines: await get(first, '/v1/pipelines'),
      grpc: await grpcList(first),
    };
    await first.stop();

    const second = await start(dir);
    try {
      expect(await get(second, '/v1/connection_profiles')).toEqual(before.profiles);
      expect(await get(second, '/v1/connection_tables')).toEqual(before.tables);
      expect(await get(second, '/v1/pipelines')).toEqual(before.pipelines);
      expect(await grpcList(second)).toEqual(before.grpc);
      expect((before.tables as { data: Array<{ shards: number }> }).data[0].shards).toBe(3);
      expect(second.store.findProfile('redis_cache')?.config.password).toBe('{{ REDIS_PASSWORD }}');
      expect(await second.store.nextEpoch()).toBe(epoch + 1);
      // Rules still hold after the restart: the profile is in use, the names are taken.
      const del = await fetch(`${second.api.url}/v1/connection_profiles/redis_cache`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(del.status).toBe(409);
    } finally {
      await second.stop();
    }
  });
});
