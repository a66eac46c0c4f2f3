import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ControlClient,
  CreateConnectionTableRequest,
} from '../../src/wire/gen/laminar/redis/v1/control.js';
import { type Pipeline, PipelineState, WorkerState } from '../../src/wire/gen/laminar/redis/v1/resources.js';
import { fakePlane, serveControl } from './control-fixture.js';
import type { FakeRuntime } from './fake-runtime.js';

const TOKEN = 'grpc-test-token';
const PASSWORD = 'hunter2-grpc-secret';

const PROFILE = {
  name: 'redis_cache',
  connector: 'redis',
  config: {
    connection: { address: `redis://app_user:${PASSWORD}@cache.example.com:6379` },
    username: 'app_user',
    password: PASSWORD,
  },
};

const SINK_SQL = `CREATE TABLE s (k TEXT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', password = '${PASSWORD}', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`;

let dir: string;
let runtime: FakeRuntime;
let server: grpc.Server;
let client: ControlClient;

beforeAll(async () => {
  const made = await fakePlane('laminar-grpc-');
  ({ dir, runtime } = made);
  ({ server, client } = await serveControl(made.plane, TOKEN));
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await rm(dir, { recursive: true, force: true });
});

function auth(token = TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== '') md.set('authorization', `Bearer ${token}`);
  return md;
}

/** Calls a unary method of the client; resolves with the response, rejects with the ServiceError. */
function call<Req, Res>(method: string, request: Req, md: grpc.Metadata = auth()): Promise<Res> {
  const fn = (client as unknown as Record<string, Function>)[method].bind(client);
  return new Promise((resolve, reject) =>
    fn(request, md, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res))),
  );
}

/** A full CreateConnectionTableRequest (ts-proto messages carry every field). */
function tableRequest(fields: Partial<CreateConnectionTableRequest>): CreateConnectionTableRequest {
  return {
    name: '',
    connector: '',
    connectionProfileId: '',
    config: undefined,
    schema: undefined,
    shards: undefined,
    sql: '',
    ...fields,
  };
}

async function statusOfCall(
  p: Promise<unknown>,
): Promise<{ code: number; details: string; laminarCode: unknown }> {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: grpc.ServiceError) => e,
  )) as grpc.ServiceError;
  return { code: err.code, details: err.details, laminarCode: err.metadata?.get('laminar-code')[0] };
}

describe('Control gRPC service', () => {
  it('grpc — calls without a token, or with a wrong one, are UNAUTHENTICATED', async () => {
    for (const md of [auth(''), auth('wrong-token')]) {
      const s = await statusOfCall(call('listConnectionProfiles', {}, md));
      expect(s).toMatchObject({ code: grpc.status.UNAUTHENTICATED, laminarCode: 'ERR_UNAUTHENTICATED' });
    }
    const bad = new grpc.Metadata();
    bad.set('authorization', TOKEN); // no Bearer scheme
    expect((await statusOfCall(call('listConnectionProfiles', {}, bad))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    expect(await call('listConnectionProfiles', {})).toEqual({ data: [] });
  });

  it('grpc — profiles: create, get by id and by name, list; the password is redacted', async () => {
    const created = await call<unknown, { id: string; config: Record<string, unknown> }>(
      'createConnectionProfile',
      PROFILE,
    );
    expect(created.id).toMatch(/^prof_/);
    expect(created.config).toEqual({
      connection: { address: 'redis://app_user:********@cache.example.com:6379' },
      username: 'app_user',
      password: '********',
    });
    expect(await call('getConnectionProfile', { id: 'redis_cache' })).toEqual(created);
    expect(await call('listConnectionProfiles', {})).toEqual({ data: [created] });
  });

  it('grpc — each failure has its status code and the message as details', async () => {
    expect(await statusOfCall(call('getConnectionProfile', { id: 'nope' }))).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "connection profile 'nope' not found",
      laminarCode: 'ERR_NOT_FOUND',
    });
    expect(await statusOfCall(call('createConnectionProfile', PROFILE))).toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
      laminarCode: 'ERR_ALREADY_EXISTS',
    });
    const invalid = await statusOfCall(
      call(
        'createConnectionTable',
        tableRequest({
          name: 'bad_table',
          connector: 'redis',
          connectionProfileId: 'redis_cache',
          config: { connectorType: { target: { keyPrefix: 'k:', ttlSecs: -5 } } },
        }),
      ),
    );
    expect(invalid).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      laminarCode: 'ERR_INVALID_ARGUMENT',
    });
    expect(invalid.details).toMatch(
      /^table 'bad_table': option 'config\.connectorType\.target\.ttlSecs' must be a positive integer/,
    );
    await call(
      'createConnectionTable',
      tableRequest({
        name: 'user_sessions',
        connector: 'redis',
        connectionProfileId: 'redis_cache',
        config: {
          connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
        },
      }),
    );
    expect(await statusOfCall(call('deleteConnectionProfile', { id: 'redis_cache' }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining("used by connection table 'user_sessions'"),
    });
  });

  it('grpc — tables: proto fields and SQL, default shards, routing and workers', async () => {
    const table = await call<unknown, { id: string; shards: number; model: { target: unknown } }>(
      'getConnectionTable',
      {
        id: 'user_sessions',
      },
    );
    expect(table.shards).toBe(4);
    expect(table.model.target).toEqual({
      type: 'string',
      keyPrefix: 'session:',
      keyColumn: 'session_id',
      ttlSecs: 3600,
    });
    const sqlTable = await call<unknown, { name: string; sql: string; shards: number }>(
      'createConnectionTable',
      tableRequest({ sql: SINK_SQL, shards: 2 }),
    );
    expect(sqlTable).toMatchObject({ name: 's', shards: 2 });
    expect(sqlTable.sql).toContain("password = '********'");
    const routing = await call<unknown, { routes: Array<{ shard: number; epoch: number }> }>(
      'getTableRouting',
      { id: 's' },
    );
    expect(routing.routes.map((r) => [r.shard, r.epoch])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    const workers = await call<unknown, { data: Array<{ id: string; state: WorkerState }> }>(
      'listWorkers',
      {},
    );
    expect(workers.data).toMatchObject([
      { id: 'w1', state: WorkerState.WORKER_STATE_READY, shards: ['user_sessions#0'] },
    ]);
  });

  it('grpc — pipelines: create from a spec and from SQL, checkpoint, stop, errors', async () => {
    const spec = {
      name: 'orders',
      sources: [{ type: 'generator', name: 'gen', rowsPerPartition: 10 }],
      tables: [{ sql: SINK_SQL }],
    };
    const created = await call<unknown, Pipeline>('createPipeline', {
      name: 'orders',
      definition: { $case: 'spec', value: spec },
    });
    expect(created).toMatchObject({
      name: 'orders',
      state: PipelineState.PIPELINE_STATE_PENDING,
      lastCheckpointId: -1,
    });
    expect(created.spec?.checkpoint.dir).toBe(join(dir, 'pipelines', created.id));
    const bad = await statusOfCall(
      call('createPipeline', {
        name: 'x',
        definition: { $case: 'sql', value: "CREATE TABLE g WITH (connector = 'generator');" },
      }),
    );
    expect(bad).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: "table 'g': option 'rows_per_partition' is required",
    });
    const sql = `CREATE TABLE g WITH (connector = 'generator', rows_per_partition = '3');\n${SINK_SQL};`;
    const fromSql = await call<unknown, Pipeline>('createPipeline', {
      name: 'scripted',
      definition: { $case: 'sql', value: sql },
    });
    expect(fromSql.sql).toBe(sql.replace(PASSWORD, '********'));
    expect(await statusOfCall(call('triggerCheckpoint', { id: 'orders' }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
    await runtime.setState(created.id, 'running');
    expect(await call('triggerCheckpoint', { id: 'orders' })).toEqual({
      pipelineId: created.id,
      checkpointId: 7,
    });
    const stopped = await call<unknown, Pipeline>('stopPipeline', { id: created.id });
    expect(stopped.state).toBe(PipelineState.PIPELINE_STATE_STOPPED);
    expect(await statusOfCall(call('stopPipeline', { id: 'nope' }))).toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('grpc — WatchPipeline streams the current record, then each change, and ends with the pipeline', async () => {
    const { id } = await call<unknown, Pipeline>('getPipeline', { id: 'scripted' });
    const stream = client.watchPipeline({ id }, auth());
    const states: PipelineState[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (p: Pipeline) => {
        states.push(p.state);
        if (states.length === 1) {
          void runtime.setState(id, 'running').then(() => runtime.setState(id, 'finished'));
        }
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    await ended;
    expect(states).toEqual([
      PipelineState.PIPELINE_STATE_PENDING,
      PipelineState.PIPELINE_STATE_RUNNING,
      PipelineState.PIPELINE_STATE_FINISHED,
    ]);
    expect(runtime.watcherCount(id)).toBe(0);
  });

  it('grpc — WatchPipeline needs the token, and a cancelled watch unsubscribes', async () => {
    const denied = client.watchPipeline({ id: 'orders' }, auth('wrong'));
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      denied.on('error', resolve);
      denied.on('data', () => {});
    });
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);

    const p = await call<unknown, Pipeline>('createPipeline', {
      name: 'watched',
      definition: {
        $case: 'sql',
        value: `CREATE TABLE g WITH (connector = 'generator', rows_per_partition = '3');\n${SINK_SQL};`,
      },
    });
    const stream = client.watchPipeline({ id: p.id }, auth());
    await new Promise((resolve) => stream.once('data', resolve));
    expect(runtime.watcherCount(p.id)).toBe(1);
    stream.on('error', () => {}); // CANCELLED
    stream.cancel();
    await expect.poll(() => runtime.watcherCount(p.id)).toBe(0);
  });

  it('grpc — the password never appears in any response', async () => {
    const responses = await Promise.all([
      call('listConnectionProfiles', {}),
      call('getConnectionProfile', { id: 'redis_cache' }),
      call('listConnectionTables', {}),
      call('getConnectionTable', { id: 's' }),
      call('getTableRouting', { id: 's' }),
      call('listPipelines', {}),
      call('getPipeline', { id: 'orders' }),
    ]);
    const text = JSON.stringify(responses);
    expect(text).toContain('********');
    expect(text).not.toContain(PASSWORD);
  });
});
