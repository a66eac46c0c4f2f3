import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import type { PipelineView } from '../../src/coordinator/control-views.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { statusOf } from '../../src/wire/grpc-status.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

const PROFILE = {
  name: 'redis_cache',
  connector: 'redis',
  config: {
    connection: { address: 'redis://cache.example.com:6379' },
    username: 'app_user',
    password: '{{ REDIS_PASSWORD }}',
  },
};

const tableBody = (connectionProfileId: string) => ({
  name: 'user_sessions',
  connector: 'redis',
  connectionProfileId,
  config: { connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } } },
});

const SINK_SQL = `CREATE TABLE s (k TEXT, v BIGINT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`;

let dir: string;
let store: MetadataStore;
let runtime: FakeRuntime;
let plane: ControlPlane;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-plane-'));
  store = await MetadataStore.open(dir);
  runtime = new FakeRuntime(store);
  plane = new ControlPlane({ store, runtime, dataDir: dir, logger: quietLogger });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The control status and message a call fails with. */
async function failure(p: Promise<unknown>): Promise<{ status: string; message: string; reason?: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeDefined();
  const s = statusOf(err);
  return { status: s.status, message: s.message, reason: s.reason };
}

describe('ControlPlane — connection profiles', () => {
  it('profiles — create stores the body as given and answers redacted; get by id and by name', async () => {
    const view = await plane.createProfile(PROFILE);
    expect(view.id).toMatch(/^prof_[0-9a-z]{10}$/);
    expect(view).toMatchObject({ name: 'redis_cache', connector: 'redis' });
    expect(view.config).toEqual({ ...PROFILE.config, password: '********' });
    expect(store.findProfile(view.id)?.config).toEqual(PROFILE.config);
    expect(await plane.getProfile(view.id)).toEqual(view);
    expect(await plane.getProfile('redis_cache')).toEqual(view);
    expect(await plane.listProfiles()).toEqual([view]);
  });

  it('profiles — an invalid body is INVALID_ARGUMENT carrying the validation message', async () => {
    const bad = { ...PROFILE, config: { connection: { adress: 'redis://x:1' } } };
    expect(await failure(plane.createProfile(bad))).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_SINK_CONFIG',
      message: expect.stringMatching(
        /connection profile 'redis_cache': option 'config\.connection\.adress'.*did you mean 'config\.connection\.address'/,
      ),
    });
    expect(store.listProfiles()).toEqual([]);
  });

  it('profiles — a second profile with the same name is ALREADY_EXISTS', async () => {
    await plane.createProfile(PROFILE);
    expect(await failure(plane.createProfile(PROFILE))).toMatchObject({
      status: 'ALREADY_EXISTS',
      message: "a connection profile named 'redis_cache' already exists",
    });
  });

  it('profiles — get, delete and test of an unknown id are NOT_FOUND', async () => {
    for (const call of [
      plane.getProfile('prof_nope'),
      plane.deleteProfile('nope'),
      plane.testProfile({ id: 'nope' }),
    ]) {
      expect(await failure(call)).toMatchObject({
        status: 'NOT_FOUND',
        message: expect.stringContaining('not found'),
      });
    }
  });

  it('profiles — deleting a profile a table uses is FAILED_PRECONDITION; after the table goes it works', async () => {
    const p = await plane.createProfile(PROFILE);
    const t = await plane.createTable(tableBody(p.id));
    expect(await failure(plane.deleteProfile('redis_cache'))).toMatchObject({
      status: 'FAILED_PRECONDITION',
      message: expect.stringContaining("used by connection table 'user_sessions'"),
    });
    await plane.deleteTable(t.id);
    expect(runtime.deleted.map((d) => d.id)).toEqual([t.id]);
    await plane.deleteProfile(p.id);
    expect(await plane.listProfiles()).toEqual([]);
  });
});

describe('ControlPlane — connection tables', () => {
  it('tables — the documented body creates a table with default shards, tells the runtime, answers redacted', async () => {
    const p = await plane.createProfile(PROFILE);
    const t = await plane.createTable(tableBody(p.id));
    expect(t).toMatchObject({
      name: 'user_sessions',
      connector: 'redis',
      connectionProfileId: p.id,
      shards: 4,
    });
    expect(t.id).toMatch(/^tbl_/);
    expect(t.model).toMatchObject({ target: { type: 'string', keyPrefix: 'session:', ttlSecs: 3600 } });
    expect((t.model.profile as { password: string }).password).toBe('********');
    expect(store.findTable(t.id)?.model.profile.password).toBe('{{ REDIS_PASSWORD }}');
    expect(runtime.created.map((c) => c.id)).toEqual([t.id]);
    expect(await plane.getTable('user_sessions')).toEqual(t);
  });

  it('tables — connectionProfileId may be the profile name; shards are taken from the body', async () => {
    await plane.createProfile(PROFILE);
    const t = await plane.createTable({ ...tableBody('redis_cache'), shards: 2 });
    expect(t.shards).toBe(2);
    expect(t.connectionProfileId).toMatch(/^prof_/);
    const routing = await plane.tableRouting(t.id);
    expect(routing).toMatchObject({ tableId: t.id, tableName: 'user_sessions', shards: 2 });
    expect(routing.routes.map((r) => [r.firstSlot, r.lastSlot])).toEqual([
      [0, 8191],
      [8192, 16383],
    ]);
  });

  it('tables — validation errors are INVALID_ARGUMENT naming the table and the option', async () => {
    const p = await plane.createProfile(PROFILE);
    const body = tableBody(p.id);
    const bad = {
      ...body,
      config: { connectorType: { target: { ...body.config.connectorType.target, ttlSecs: 'soon' } } },
    };
    expect(await failure(plane.createTable(bad))).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_SINK_CONFIG',
      message: expect.stringMatching(
        /^table 'user_sessions': option 'config\.connectorType\.target\.ttlSecs'/,
      ),
    });
    expect(await failure(plane.createTable({ ...body, shards: 0.5 }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining("option 'shards'"),
    });
    const { connectionProfileId: _, ...noProfile } = body;
    expect(await failure(plane.createTable(noProfile))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining("'connectionProfileId' is required"),
    });
    expect(store.listTables()).toEqual([]);
  });

  it('tables — an unknown profile is NOT_FOUND, a duplicate name ALREADY_EXISTS', async () => {
    expect(await failure(plane.createTable(tableBody('prof_redis123')))).toMatchObject({
      status: 'NOT_FOUND',
      message:
        "connection profile 'prof_redis123' not found: option 'connectionProfileId' of table 'user_sessions' " +
        "takes the id that creating the profile returned (ids are generated) or the profile's name (no profile exists yet)",
    });
    const p = await plane.createProfile(PROFILE);
    await plane.createTable(tableBody(p.id));
    expect(await failure(plane.createTable(tableBody(p.id)))).toMatchObject({ status: 'ALREADY_EXISTS' });
    expect(await failure(plane.getTable('nope'))).toMatchObject({ status: 'NOT_FOUND' });
    expect(await failure(plane.deleteTable('nope'))).toMatchObject({ status: 'NOT_FOUND' });
    expect(await failure(plane.tableRouting('nope'))).toMatchObject({ status: 'NOT_FOUND' });
  });

  it('tables — a CREATE TABLE creates a table; with connection_profile it depends on that profile', async () => {
    const own = await plane.createTable({ sql: SINK_SQL });
    expect(own).toMatchObject({ name: 's', connectionProfileId: '', sql: SINK_SQL, shards: 4 });
    await plane.createProfile(PROFILE);
    const sql = `CREATE TABLE t (k TEXT) WITH (connector = 'redis', type = 'sink', connection_profile = 'redis_cache',
      'sink.key_prefix' = 't:', 'sink.key_column' = 'k')`;
    const named = await plane.createTable({ sql, shards: 1 });
    expect(named.connectionProfileId).toBe(store.findProfile('redis_cache')?.id);
    expect(await failure(plane.deleteProfile('redis_cache'))).toMatchObject({
      status: 'FAILED_PRECONDITION',
    });
  });

  it('tables — SQL syntax and validation errors are INVALID_ARGUMENT with line and column', async () => {
    expect(
      await failure(plane.createTable({ sql: 'CREATE TABLE t (k TEXT) WITH (\n  connector = )' })),
    ).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_SQL_SYNTAX',
      message: expect.stringMatching(/^SQL syntax error at line 2, column 15/),
    });
    expect(
      await failure(plane.createTable({ sql: SINK_SQL.replace("'sink.key_column'", "'sink.key_colum'") })),
    ).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        /^table 's': option 'sink.key_colum' is not a known option.*\(line 2, column \d+\)$/,
      ),
    });
    expect(await failure(plane.createTable({ sql: SINK_SQL, connectionProfileId: 'x' }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining("takes no 'connectionProfileId'"),
    });
  });
});

describe('ControlPlane — pipelines', () => {
  const spec = {
    name: 'orders',
    sources: [{ type: 'generator', name: 'gen', partitions: 2, rowsPerPartition: 10 }],
    tables: [{ sql: SINK_SQL, shards: 2 }],
  };

  it('pipelines — a JSON spec is stored pending with a default checkpoint dir and scheduled', async () => {
    const view = await plane.createPipeline({ spec });
    expect(view).toMatchObject({ name: 'orders', state: 'pending', workerId: '', lastCheckpointId: -1 });
    expect(view.id).toMatch(/^pl_/);
    expect(view.spec.checkpoint).toMatchObject({ dir: join(dir, 'pipelines', view.id), intervalMs: 1000 });
    expect(runtime.pipelines.map((p) => p.id)).toEqual([view.id]);
    expect(await plane.getPipeline('orders')).toEqual(view);
    expect(await plane.listPipelines()).toEqual([view]);
  });

  it('pipelines — invalid specs are INVALID_ARGUMENT with the validation message; names are unique', async () => {
    expect(await failure(plane.createPipeline({ spec: { ...spec, extra: 1 } }))).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_JOB_SPEC',
      message: 'job spec: spec.extra: unknown field',
    });
    const badSource = { ...spec, sources: [{ type: 'kafka', name: 'in' }] };
    expect(await failure(plane.createPipeline({ spec: badSource }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/sources\[0\]\.type/),
    });
    const badTable = {
      ...spec,
      tables: [{ sql: SINK_SQL.replace("'sink.key_column' = 'k'", "'sink.key_column' = 'nope'") }],
    };
    expect(await failure(plane.createPipeline({ spec: badTable }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_SINK_CONFIG',
      message: expect.stringContaining("table 's': option 'sink.key_column'"),
    });
    expect(await failure(plane.createPipeline({ name: 'x', spec, sql: 'CREATE TABLE' }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining("exactly one of 'sql'"),
    });
    await plane.createPipeline({ spec });
    expect(await failure(plane.createPipeline({ spec }))).toMatchObject({ status: 'ALREADY_EXISTS' });
    expect(runtime.pipelines).toHaveLength(1);
  });

  it('pipelines — a SQL script becomes sources feeding every sink', async () => {
    const sql = `CREATE TABLE gen WITH (connector = 'generator', partitions = '3', rows_per_partition = '5', seed = '7');
CREATE TABLE files WITH (connector = 'jsonl', files = 'a.jsonl, b.jsonl');
${SINK_SQL};
${SINK_SQL.replace('TABLE s', 'TABLE s2')};`;
    const view = await plane.createPipeline({ name: 'scripted', sql });
    expect(view.sql).toBe(sql);
    expect(view.spec.sources).toEqual([
      { type: 'generator', name: 'gen', partitions: 3, rowsPerPartition: 5, seed: 7 },
      { type: 'jsonl', name: 'files', files: [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')] },
    ]);
    const tables = view.spec.tables as Array<{ sql: string; sources: string[]; shards: number }>;
    expect(tables.map((t) => [t.sql.slice(0, 16), t.sources, t.shards])).toEqual([
      ['CREATE TABLE s (', ['gen', 'files'], 4],
      ['CREATE TABLE s2 ', ['gen', 'files'], 4],
    ]);
  });

  it('pipelines — SQL script errors are INVALID_ARGUMENT with the line and column in the script', async () => {
    const gen = "CREATE TABLE gen WITH (connector = 'generator', rows_per_partition = '5');";
    const cases: Array<[string, RegExp]> = [
      [`${gen}\n\nCREATE TABL s`, /^SQL syntax error at line 3, column 8/],
      [
        `${gen}\n${SINK_SQL.replace("'sink.key_column' = 'k'", "'sink.key_column' = 'x'")}`,
        /^table 's': option 'sink.key_column'.*\(line 3, column \d+\)$/,
      ],
      [
        `CREATE TABLE gen WITH (connector = 'generator', row_per_partition = '5');\n${SINK_SQL}`,
        /^table 'gen': option 'row_per_partition' is not a known option \(did you mean 'rows_per_partition'\?\) \(line 1, column \d+\)$/,
      ],
      [
        `CREATE TABLE gen WITH (connector = 'kafka');\n${SINK_SQL}`,
        /^table 'gen': option 'connector' 'kafka' is not supported/,
      ],
      [
        `${gen}\nINSERT INTO s SELECT * FROM gen;\n${SINK_SQL}`,
        /^INSERT INTO s writes 2 columns \(k, v\) but the SELECT gives 8 \(line 2, column 22\)$/,
      ],
      [SINK_SQL, /^pipeline script: has no source table/],
      [gen, /^pipeline script: has no sink table/],
      [
        `${gen}\n${SINK_SQL};\nCREATE TABLE gen WITH (connector = 'jsonl', path = 'x')`,
        /^table 'gen': is declared twice \(line 4/,
      ],
    ];
    for (const [sql, message] of cases) {
      expect(await failure(plane.createPipeline({ name: 'bad', sql })), sql).toMatchObject({
        status: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    }
    expect(store.listPipelines()).toEqual([]);
  });

  it('pipelines — stop and checkpoint go to the runtime; ended pipelines are FAILED_PRECONDITION', async () => {
    const view = await plane.createPipeline({ spec });
    expect(await failure(plane.triggerCheckpoint(view.id))).toMatchObject({
      status: 'FAILED_PRECONDITION',
      message: "pipeline 'orders' has not started yet",
    });
    await runtime.setState(view.id, 'running');
    expect(await plane.triggerCheckpoint('orders')).toEqual({ pipelineId: view.id, checkpointId: 7 });
    await runtime.setState(view.id, 'recovering');
    expect(await failure(plane.triggerCheckpoint('orders'))).toMatchObject({
      status: 'FAILED_PRECONDITION',
      message: 'pipeline is recovering',
    });
    const stopped = await plane.stopPipeline('orders');
    expect(stopped.state).toBe('stopped');
    expect(runtime.stopped).toEqual([view.id]);
    expect((await plane.stopPipeline('orders')).state).toBe('stopped'); // idempotent
    expect(runtime.stopped).toEqual([view.id]);
    expect(await failure(plane.triggerCheckpoint('orders'))).toMatchObject({ status: 'FAILED_PRECONDITION' });
    await runtime.setState(view.id, 'finished');
    expect(await failure(plane.stopPipeline('orders'))).toMatchObject({
      status: 'FAILED_PRECONDITION',
      message: expect.stringContaining('finished'),
    });
    for (const call of [
      plane.getPipeline('nope'),
      plane.stopPipeline('nope'),
      plane.triggerCheckpoint('nope'),
      plane.watchPipeline('nope', () => {}),
    ]) {
      expect(await failure(call)).toMatchObject({ status: 'NOT_FOUND' });
    }
  });

  it('pipelines — watch gives the current record, then every change, until unsubscribed', async () => {
    const view = await plane.createPipeline({ spec });
    const seen: PipelineView[] = [];
    const stop = await plane.watchPipeline(view.id, (v) => seen.push(v));
    await runtime.setState(view.id, 'running', { workerId: 'w1' });
    stop();
    await runtime.setState(view.id, 'finished');
    expect(seen.map((v) => [v.state, v.workerId])).toEqual([
      ['pending', ''],
      ['running', 'w1'],
    ]);
    expect(runtime.watcherCount(view.id)).toBe(0);
  });
});

describe('ControlPlane — workers', () => {
  it('workers — lists what the runtime reports', async () => {
    expect(await plane.listWorkers()).toEqual(runtime.workerList);
  });
});
