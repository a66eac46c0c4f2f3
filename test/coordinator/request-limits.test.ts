import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/actors/clock.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { GeneratorSource } from '../../src/dataflow/sources/generator.js';
import type { ControlClient } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { fakePlane, serveControl } from './control-fixture.js';
import { quietLogger } from './fake-runtime.js';

/**
 * Hostile or careless requests get a clear answer: odd paths, huge ids, deep nesting, shard
 * counts of 0 or beyond the cap, names that are too long or oddly spelled.
 */

const TOKEN = 'limits-token';
const SINK_SQL = `CREATE TABLE s (k TEXT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`;
const tableSql = (name: string) => SINK_SQL.replace('TABLE s ', `TABLE ${name} `);

let dir: string;
let api: HttpApi;
let server: grpc.Server;
let client: ControlClient;

beforeAll(async () => {
  const { dir: d, plane } = await fakePlane('laminar-limits-');
  dir = d;
  api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, token: TOKEN, logger: quietLogger });
  ({ server, client } = await serveControl(plane));
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP request (the path exactly as given). */
function raw(
  method: string,
  path: string,
  token: string | null = TOKEN,
): Promise<{ status: number; body: string } | { error: string }> {
  const [host, port] = api.address.split(':');
  return new Promise((resolve) => {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    const req = request({ host, port: Number(port), method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
type Json = Record<string, any>;

async function post(path: string, body: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe('request limits', () => {
  it('limits — odd request paths are a clean 404 (401 without the token), not a reset connection', async () => {
    for (const path of ['//', '//example.com/v1/workers', '/v1//x']) {
      expect(await raw('GET', path), path).toMatchObject({ status: 404 });
      expect(await raw('GET', path, null), path).toMatchObject({ status: 401 });
    }
    expect(await raw('GET', '//example.com/v1/workers')).toMatchObject({
      body: expect.stringContaining('ERR_NOT_FOUND'),
    });
  });

  it('limits — a 100 KB id is answered INVALID_ARGUMENT over gRPC and HTTP, without echoing it', async () => {
    const id = 'x'.repeat(100_000);
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.getPipeline({ id }, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (e) => resolve(e)),
    );
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toBe('an id or name must have 1 to 257 characters (got 100000)');
    const table = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.createConnectionTable(
        {
          name: 't',
          connector: 'redis',
          connectionProfileId: id,
          config: { connectorType: { target: { keyPrefix: 'k:', keyColumn: 'k' } } },
          schema: undefined,
          shards: 0,
          sql: '',
        },
        new grpc.Metadata(),
        { deadline: Date.now() + 20_000 },
        (e) => resolve(e),
      ),
    );
    expect(table?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await raw('GET', `/v1/pipelines/${'y'.repeat(8_000)}`)).toMatchObject({
      status: 400,
      body: expect.stringContaining('(got 8000)'),
    });
    expect(await raw('GET', `/v1/pipelines/a%01b`)).toMatchObject({ status: 400 });
  });

  it('limits — deeply nested bodies are 400 naming where, never a 500', async () => {
    const nest = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const pipeline = (values: string) =>
      JSON.stringify({
        spec: {
          name: 'deep',
          sources: [
            {
              type: 'generator',
              name: 'g',
              rowsPerPartition: 1,
              columns: [{ name: 'j', type: 'JSON', values: ['X'] }],
            },
          ],
          tables: [{ sql: SINK_SQL }],
        },
      }).replace('"X"', values);
    const deep = await post('/v1/pipelines', pipeline(nest(5_000)));
    expect(deep.status).toBe(400);
    expect(deep.json.error.message).toMatch(
      /^pipeline\.spec\.sources\[0\]\.columns\[0\]\.values\[0\]\[0\]…: nests deeper than 64 levels$/,
    );
    const nested = await post('/v1/pipelines', pipeline(nest(40)));
    expect(nested.status).toBe(400);
    expect(nested.json.error).toMatchObject({
      reason: 'ERR_JOB_SPEC',
      message: 'job spec: sources[0].columns[0].values[0]: nests deeper than 32 levels',
    });
    const profile = await post(
      '/v1/connection_profiles',
      JSON.stringify({ name: 'p', connector: 'redis', config: { x: 'X' } }).replace('"X"', nest(5_000)),
    );
    expect(profile.status).toBe(400);
    expect(profile.json.error.message).toMatch(/^connection profile\.config\.x\[0\]/);
    expect((await post('/v1/pipelines', pipeline(nest(3)))).status).toBe(200);
  });

  it('limits — shards must be a positive integer up to 256', async () => {
    for (const shards of [0, -1, 1.5, 257, 16_384, '4']) {
      const r = await post('/v1/connection_tables', JSON.stringify({ sql: tableSql('t_bad'), shards }));
      expect(r.status, String(shards)).toBe(400);
      expect(r.json.error.message).toMatch(/^option 'shards' must be a positive integer, at most 256/);
    }
    const ok = await post('/v1/connection_tables', JSON.stringify({ sql: tableSql('t_max'), shards: 256 }));
    expect(ok).toMatchObject({ status: 200, json: { shards: 256 } });
    const spec = (shards: number, partitions = 1) =>
      JSON.stringify({
        spec: {
          name: `sp${shards}_${partitions}`,
          sources: [{ type: 'generator', name: 'g', partitions, rowsPerPartition: 1 }],
          tables: [{ sql: SINK_SQL, shards }],
        },
      });
    expect((await post('/v1/pipelines', spec(257))).json.error.message).toBe(
      'job spec: tables[0].shards: must be at most 256, got 257',
    );
    expect((await post('/v1/pipelines', spec(1, 1_025))).json.error.message).toBe(
      'job spec: sources[0].partitions: must be at most 1024, got 1025',
    );
    expect(
      () => new GeneratorSource({ name: 'g', partitions: 1_000_000, rowsPerPartition: 1 }, systemClock),
    ).toThrow(/partitions must be an integer in 1\.\.1024/);
  });

  it('limits — names of new resources: at most 128 letters, digits, _ . : -', async () => {
    const long = 'n'.repeat(129);
    const r1 = await post(
      '/v1/connection_profiles',
      JSON.stringify({
        name: long,
        connector: 'redis',
        config: { connection: { address: 'redis://127.0.0.1:6390' } },
      }),
    );
    expect(r1.status).toBe(400);
    expect(r1.json.error.message).toBe('connection profile name must have at most 128 characters (got 129)');
    const r2 = await post('/v1/connection_tables', JSON.stringify({ sql: tableSql('"a b/c"') }));
    expect(r2.status).toBe(400);
    expect(r2.json.error.message).toContain("may only contain letters, digits, '_', '.', ':' and '-'");
    const ok = await post(
      '/v1/connection_profiles',
      JSON.stringify({
        name: 'n'.repeat(128),
        connector: 'redis',
        config: { connection: { address: 'redis://127.0.0.1:6390' } },
      }),
    );
    expect(ok.status).toBe(200);
  });
});
