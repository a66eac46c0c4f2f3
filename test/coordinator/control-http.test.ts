import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { DOCUMENTED_PROFILE, documentedTable } from '../support/documented-requests.js';
import { fakePlane } from './control-fixture.js';
import { type FakeRuntime, quietLogger } from './fake-runtime.js';

const TOKEN = 'YOUR_TOKEN';

const PASSWORD = 'http-s3cret-pw';

let dir: string;
let runtime: FakeRuntime;
let api: HttpApi;

beforeAll(async () => {
  const made = await fakePlane('laminar-http-');
  ({ dir, runtime } = made);
  const plane = made.plane;
  api = await startHttpApi({
    plane,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    logger: quietLogger,
    maxBodyBytes: 64 * 1024,
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'laminar_up 1\n' }),
  });
});

afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A request as curl sends it: JSON content type and the bearer token. */
async function http(method: string, path: string, body?: string, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${api.url}${path}`, { method, headers, body });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

describe('HTTP API', () => {
  it('http — address and url name the bound port', () => {
    expect(api.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(api.url).toBe(`http://${api.address}`);
  });

  it('http — the documented curl bodies work verbatim: profile, then table with the returned id', async () => {
    const profile = await http('POST', '/v1/connection_profiles', DOCUMENTED_PROFILE);
    expect(profile.status).toBe(200);
    expect(profile.headers.get('content-type')).toMatch(/^application\/json/);
    expect(profile.json).toMatchObject({
      name: 'redis_cache',
      connector: 'redis',
      config: {
        connection: { address: 'redis://cache.example.com:6379' },
        username: 'app_user',
        password: '********',
      },
    });
    expect(profile.json.id).toMatch(/^prof_[0-9a-z]{10}$/);
    const table = await http('POST', '/v1/connection_tables', documentedTable(profile.json.id));
    expect(table.status).toBe(200);
    expect(table.json).toMatchObject({
      name: 'user_sessions',
      connector: 'redis',
      connectionProfileId: profile.json.id,
      config: {
        connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
      },
      shards: 4,
    });
    expect(runtime.created.map((t) => t.name)).toEqual(['user_sessions']);
  });

  it('http — reads: lists as { data }, one by id or name, routing, workers', async () => {
    const profiles = await http('GET', '/v1/connection_profiles');
    expect(profiles.json.data).toHaveLength(1);
    const id = profiles.json.data[0].id as string;
    expect((await http('GET', `/v1/connection_profiles/${id}`)).json).toEqual(profiles.json.data[0]);
    expect((await http('GET', '/v1/connection_profiles/redis_cache')).json.id).toBe(id);
    const tables = await http('GET', '/v1/connection_tables');
    expect(tables.json.data.map((t: { name: string }) => t.name)).toEqual(['user_sessions']);
    const routing = await http('GET', '/v1/connection_tables/user_sessions/routing');
    expect(routing.json).toMatchObject({ tableName: 'user_sessions', shards: 4 });
    expect(routing.json.routes).toHaveLength(4);
    expect((await http('GET', '/v1/workers')).json).toEqual({ data: runtime.workerList });
  });

  it('http — without the token, or with a wrong one, every endpoint is 401 (metrics included)', async () => {
    for (const [method, path] of [
      ['GET', '/v1/connection_profiles'],
      ['POST', '/v1/connection_profiles'],
      ['GET', '/v1/workers'],
      ['GET', '/metrics'],
      ['GET', '/v1/no-such-thing'],
    ]) {
      for (const token of [null, 'wrong']) {
        const res = await http(method, path, method === 'POST' ? DOCUMENTED_PROFILE : undefined, token);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.json.error).toMatchObject({ code: 'ERR_UNAUTHENTICATED', status: 'UNAUTHENTICATED' });
      }
    }
    const metrics = await http('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(metrics.text).toBe('laminar_up 1\n');
  });

  it('http — errors: 400 with the validation message, 404, 409 for exists and precondition', async () => {
    const invalid = await http(
      'POST',
      '/v1/connection_tables',
      documentedTable('redis_cache').replace('"keyPrefix"', '"keyPrefx"').replace('user_sessions', 'other'),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toEqual({
      code: 'ERR_INVALID_ARGUMENT',
      status: 'INVALID_ARGUMENT',
      reason: 'ERR_SINK_CONFIG',
      message: expect.stringMatching(
        /^table 'other': option 'config\.connectorType\.target\.keyPrefx' is not a known option/,
      ),
    });
    expect((await http('POST', '/v1/connection_profiles', '{"name": ')).json.error).toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'the request body is not valid JSON',
    });
    expect((await http('POST', '/v1/connection_tables', '[1]')).status).toBe(400);
    const missing = await http('GET', '/v1/connection_tables/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toEqual({
      code: 'ERR_NOT_FOUND',
      status: 'NOT_FOUND',
      message: "connection table 'nope' not found",
    });
    expect((await http('POST', '/v1/connection_tables', documentedTable('prof_redis123'))).status).toBe(404);
    const exists = await http('POST', '/v1/connection_profiles', DOCUMENTED_PROFILE);
    expect(exists.status).toBe(409);
    expect(exists.json.error.code).toBe('ERR_ALREADY_EXISTS');
    const inUse = await http('DELETE', '/v1/connection_profiles/redis_cache');
    expect(inUse.status).toBe(409);
    expect(inUse.json.error).toMatchObject({
      code: 'ERR_FAILED_PRECONDITION',
      status: 'FAILED_PRECONDITION',
    });
    const route = await http('GET', '/v1/nothing');
    expect(route.status).toBe(404);
    expect(route.json.error.code).toBe('ERR_NOT_FOUND');
    const method = await http('PUT', '/v1/connection_profiles');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('POST, GET');
  });

  it('http — a body over the limit is 413, and the server keeps serving', async () => {
    const big = JSON.stringify({ name: 'x', connector: 'redis', config: { pad: 'x'.repeat(100_000) } });
    const res = await http('POST', '/v1/connection_profiles', big);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect((await http('GET', '/v1/connection_profiles')).status).toBe(200);
  });

  it('http — pipelines: create from {name, sql} and {name, spec}, get, checkpoint, stop', async () => {
    const sql = `CREATE TABLE gen WITH (connector = 'generator', rows_per_partition = '10');
CREATE TABLE sink (k TEXT) WITH (connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:6390',
  password = '${PASSWORD}', 'sink.key_prefix' = 'g:', 'sink.key_column' = 'k');`;
    const fromSql = await http('POST', '/v1/pipelines', JSON.stringify({ name: 'from_sql', sql }));
    expect(fromSql.status).toBe(200);
    expect(fromSql.json).toMatchObject({ name: 'from_sql', state: 'pending', lastCheckpointId: -1 });
    const spec = {
      sources: [{ type: 'generator', name: 'gen', rowsPerPartition: 5 }],
      tables: [{ sql: sql.split('\n').slice(1).join('\n') }],
    };
    const fromSpec = await http('POST', '/v1/pipelines', JSON.stringify({ name: 'from_spec', spec }));
    expect(fromSpec.status).toBe(200);
    expect(fromSpec.json.spec.name).toBe('from_spec');
    expect((await http('GET', '/v1/pipelines/from_spec')).json.id).toBe(fromSpec.json.id);
    expect((await http('GET', '/v1/pipelines')).json.data).toHaveLength(2);
    expect((await http('POST', '/v1/pipelines/from_spec/checkpoint')).status).toBe(409);
    await runtime.setState(fromSpec.json.id, 'running');
    expect((await http('POST', '/v1/pipelines/from_spec/checkpoint')).json).toEqual({
      pipelineId: fromSpec.json.id,
      checkpointId: 7,
    });
    expect((await http('POST', '/v1/pipelines/from_spec/stop')).json.state).toBe('stopped');
    const bad = await http(
      'POST',
      '/v1/pipelines',
      JSON.stringify({ name: 'x', spec: { ...spec, sources: [{ type: 'kafka', name: 'gen' }] } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('sources[0].type');
  });

  it('http — the password never appears in any response', async () => {
    await http(
      'POST',
      '/v1/connection_profiles',
      JSON.stringify({
        name: 'inline',
        connector: 'redis',
        config: { connection: { address: `redis://u:${PASSWORD}@h:1` }, password: PASSWORD },
      }),
    );
    const bodies: string[] = [];
    for (const path of [
      '/v1/connection_profiles',
      '/v1/connection_profiles/inline',
      '/v1/connection_tables',
      '/v1/pipelines',
      '/v1/pipelines/from_sql',
      '/v1/pipelines/from_spec',
    ]) {
      bodies.push((await http('GET', path)).text);
    }
    const all = bodies.join('\n');
    expect(all).toContain('********');
    expect(all).not.toContain(PASSWORD);
  });

  it('http — without a token the API refuses to listen beyond loopback', async () => {
    const plane = new ControlPlane({
      store: await MetadataStore.open(join(dir, 'other')),
      runtime,
      dataDir: dir,
      logger: quietLogger,
    });
    await expect(
      startHttpApi({ plane, host: '0.0.0.0', port: 0, logger: quietLogger }),
    ).rejects.toMatchObject({
      code: 'ERR_INSECURE_BIND',
    });
    const local = await startHttpApi({ plane, host: '127.0.0.1', port: 0, logger: quietLogger });
    try {
      expect((await fetch(`${local.url}/v1/workers`)).status).toBe(200); // no token needed on loopback
    } finally {
      await local.close();
    }
  });
});
