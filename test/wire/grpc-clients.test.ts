import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteResponse } from '../../src/grpc.js';
import {
  type ConnectionProfile,
  type ControlClient,
  connectControl,
  connectIngest,
  fromStruct,
  GrpcConnectError,
  type ProtoStruct,
  toStruct,
  unary,
} from '../../src/grpc.js';
import { type CoordinatorHandle, startCoordinator, startRuntime } from '../../src/index.js';
import { makeTlsMaterial, startRedis, type TlsMaterial } from '../support/redis.js';
import { until } from '../support/until.js';

const TOKEN = 'grpc-clients-token';

const CONFIG = {
  connection: { address: 'redis://cache.example.com:6379' },
  username: 'app_user',
  password: '{{ REDIS_PASSWORD }}',
};

let dir: string;
let tls: TlsMaterial;
let plain: CoordinatorHandle;
let secure: CoordinatorHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-grpc-clients-'));
  tls = await makeTlsMaterial();
  const [cert, key] = await Promise.all([
    readFile(tls.files.serverCertFile),
    readFile(tls.files.serverKeyFile),
  ]);
  [plain, secure] = await Promise.all([
    startCoordinator({ dataDir: join(dir, 'plain'), token: TOKEN, grpcPort: 0, httpPort: null }),
    startCoordinator({
      dataDir: join(dir, 'secure'),
      token: TOKEN,
      grpcPort: 0,
      httpPort: null,
      grpcCredentials: grpc.ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }]),
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop()]);
  await Promise.all([
    rm(dir, { recursive: true, force: true }),
    rm(tls.files.dir, { recursive: true, force: true }),
  ]);
});

/** One unary call of the typed client as a promise. */
function listProfiles(client: ControlClient): Promise<ConnectionProfile[]> {
  return new Promise((resolve, reject) =>
    client.listConnectionProfiles({}, (err, res) => (err ? reject(err) : resolve(res.data))),
  );
}

/** Type-level only (npm run typecheck): never called. */
function unaryTypes(control: ControlClient): void {
  // @ts-expect-error a streaming method is not unary
  void unary(control, 'watchPipeline', { id: 'x' });
  // @ts-expect-error no such method
  void unary(control, 'listPipeline', {});
  // @ts-expect-error the request of getConnectionProfile is a GetRequest
  void unary(control, 'getConnectionProfile', { name: 'x' });
}

describe('gRPC clients', () => {
  it('grpc — connectControl sends the token; Struct fields are plain JSON in the typed client', async () => {
    const control = connectControl({ address: plain.grpcAddress, token: TOKEN });
    try {
      const created = await new Promise<ConnectionProfile>((resolve, reject) =>
        control.createConnectionProfile({ name: 'typed', connector: 'redis', config: CONFIG }, (err, res) =>
          err ? reject(err) : resolve(res),
        ),
      );
      expect(created.id).toMatch(/^prof_/);
      expect(created.config).toEqual({ ...CONFIG, password: '********' });
      expect((await listProfiles(control)).map((p) => p.name)).toEqual(['typed']);
    } finally {
      control.close();
    }
  });

  it('grpc — unary() resolves with the typed response and rejects with the ServiceError', async () => {
    const control = connectControl({ address: plain.grpcAddress, token: TOKEN });
    try {
      const { data } = await unary(control, 'listConnectionProfiles', {});
      expect(data.map((p) => p.name)).toContain('typed');
      const profile = await unary(
        control,
        'getConnectionProfile',
        { id: 'typed' },
        { deadline: Date.now() + 10_000 },
      );
      expect(profile.name).toBe('typed');
      await expect(unary(control, 'getConnectionProfile', { id: 'nope' })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
        details: "connection profile 'nope' not found",
      });
      expect(typeof unaryTypes).toBe('function');
    } finally {
      control.close();
    }
  });

  it('grpc — without the token a call is UNAUTHENTICATED', async () => {
    const control = connectControl({ address: plain.grpcAddress });
    try {
      await expect(listProfiles(control)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      control.close();
    }
  });

  it('grpc — tls: { ca } verifies the server; a wrong CA is refused', async () => {
    const good = connectControl({ address: secure.grpcAddress, token: TOKEN, tls: { ca: tls.ca } });
    const wrong = connectControl({ address: secure.grpcAddress, token: TOKEN, tls: { ca: tls.wrongCa } });
    try {
      expect(await listProfiles(good)).toEqual([]);
      await expect(listProfiles(wrong)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      good.close();
      wrong.close();
    }
  });

  it('grpc — connectIngest opens a Write stream on a worker with the token; without it the stream is refused', async () => {
    const redis = await startRedis();
    const rt = await startRuntime({ dataDir: join(dir, 'ingest'), token: TOKEN, workers: 1, httpPort: null });
    const control = connectControl({ address: rt.grpcAddress, token: TOKEN });
    try {
      await rt.coordinator.plane.createProfile({
        name: 'p',
        connector: 'redis',
        config: { connection: { address: redis.url } },
      });
      await rt.coordinator.plane.createTable({
        name: 'rows',
        connector: 'redis',
        connectionProfileId: 'p',
        config: { connectorType: { target: { keyPrefix: 'r:', keyColumn: 'id' } } },
        shards: 1,
      });
      const routing = await until(
        'the shard placed',
        () => unary(control, 'getTableRouting', { id: 'rows' }),
        (r) => r.routes[0]?.ingestAddress !== '',
      );
      const open = {
        kind: { $case: 'open' as const, value: { tableId: routing.tableId, shard: 0, producerId: 'raw' } },
      };
      const first = (token?: string) => {
        const ingest = connectIngest({ address: routing.routes[0].ingestAddress, token });
        const call = ingest.write();
        return new Promise<WriteResponse | grpc.ServiceError>((resolve) => {
          call.on('data', (m: WriteResponse) => resolve(m));
          call.on('error', (err: grpc.ServiceError) => resolve(err));
          call.write(open);
        }).finally(() => {
          call.cancel();
          ingest.close();
        });
      };
      expect(await first(TOKEN)).toEqual({
        kind: { $case: 'opened', value: { acknowledgedSeq: -1, epoch: expect.any(Number) } },
      });
      expect(await first()).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      control.close();
      await rt.stop();
      await redis.stop();
    }
  });

  it('grpc — connect options are checked up front, naming the option', () => {
    expect(() => connectControl({ address: '' })).toThrow(GrpcConnectError);
    expect(() => connectControl({ address: 'h:1', tls: { cert: tls.cert } })).toThrow(
      "option 'tls' needs both cert and key, or neither",
    );
  });

  it('grpc — a proto-loader client resolves the .proto by package path and fills Structs with toStruct', async () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('laminar-redis/proto/laminar/redis/v1/control.proto');
    const def = protoLoader.loadSync(file, {
      includeDirs: [join(file, '..', '..', '..', '..')],
      keepCase: false,
      enums: String,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      laminar: { redis: { v1: { Control: grpc.ServiceClientConstructor } } };
    };
    const client = new pkg.laminar.redis.v1.Control(plain.grpcAddress, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const call = <T>(method: string, request: unknown) =>
      new Promise<T>((resolve, reject) =>
        client[method](request, md, (err: grpc.ServiceError | null, res: T) =>
          err ? reject(err) : resolve(res),
        ),
      );
    try {
      const created = await call<{ id: string; config: ProtoStruct }>('CreateConnectionProfile', {
        name: 'dynamic',
        connector: 'redis',
        config: toStruct(CONFIG),
      });
      expect(created.id).toMatch(/^prof_/);
      expect(fromStruct(created.config)).toEqual({ ...CONFIG, password: '********' });
      const table = await call<{ shards: number; model: ProtoStruct }>('CreateConnectionTable', {
        name: 'dynamic_sessions',
        connector: 'redis',
        connectionProfileId: 'dynamic',
        config: toStruct({
          connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
        }),
      });
      expect(table.shards).toBe(4);
      expect(fromStruct(table.model)).toMatchObject({ name: 'dynamic_sessions', target: { ttlSecs: 3600 } });
    } finally {
      client.close();
    }
  });
});

describe('Struct helpers', () => {
  it('struct — toStruct and fromStruct round-trip JSON: nulls, nesting, arrays, numbers', () => {
    const json = { a: null, b: [1, 'two', true, { c: [] }], d: { e: -1.5 }, f: '' };
    const struct = toStruct(json);
    expect(struct.fields.a).toEqual({ nullValue: 'NULL_VALUE' });
    expect(struct.fields.d).toEqual({ structValue: { fields: { e: { numberValue: -1.5 } } } });
    expect(fromStruct(struct)).toEqual(json);
  });

  it('struct — undefined members are left out and Dates become their JSON text, as JSON.stringify does', () => {
    const at = new Date('2024-03-01T00:00:00Z');
    expect(fromStruct(toStruct({ gone: undefined, at, list: [undefined] }))).toEqual(
      JSON.parse(JSON.stringify({ gone: undefined, at, list: [undefined] })),
    );
  });

  it('struct — a value JSON cannot hold is refused with its path', () => {
    expect(() => toStruct({ a: { b: [Number.NaN] } })).toThrow(
      "toStruct: 'a.b[0]' is NaN, which JSON cannot hold",
    );
    expect(() => toStruct({ n: 1n })).toThrow("toStruct: 'n' is a bigint, which JSON cannot hold");
  });

  it('struct — fromStruct reads decoder forms: with kind, defaults filled, nullValue as 0', () => {
    const decoded = {
      fields: {
        s: { kind: 'stringValue', stringValue: 'x', numberValue: 0, boolValue: false },
        n: { nullValue: 0 },
      },
    } as unknown as ProtoStruct;
    expect(fromStruct(decoded)).toEqual({ s: 'x', n: null });
    expect(() => fromStruct({ fields: { bad: {} } } as unknown as ProtoStruct)).toThrow(
      "fromStruct: 'bad' is a google.protobuf.Value with no kind set",
    );
  });
});
